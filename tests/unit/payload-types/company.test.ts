import { ACCOUNT, accepted, dataOf, example, MISSING, rejected, relay, without, withField, TAGGED } from './fixtures';

const TYPES = ['company.added', 'company.deleted', 'company.updated'];

describe.each(TYPES)('%s (data.company: Account Model)', (type) => {
  it("accepts the vendor's example: numbers normalised, the rest as sent", () => {
    const valid = accepted(example(type));
    expect(valid.type).toBe(type);
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
    expect(dataOf(valid)).toEqual({ company: { ...ACCOUNT, status: { id: 1, title: 'pending' } } });
  });

  it('has the company uuid as subject and company_uuid as attribute', () => {
    const valid = accepted(example(type));
    expect(valid.subject).toBe(ACCOUNT.uuid);
    expect(valid.attributes).toEqual({ company_uuid: ACCOUNT.uuid });
  });

  it.each([
    'data',
    'data.company',
    'data.company.uuid',
    'data.company.name',
    'data.company.status.id',
    'data.company.status.title',
    'created_at',
    'created_at.unix_timestamp',
    'created_at.timezone',
  ])('a missing %s is an issue naming its path', (path) => {
    expect(rejected(without(example(type), path))).toContainEqual({ path, message: MISSING });
  });
});

describe('the Account Model', () => {
  const company = example('company.updated');

  it('needs only uuid and name; optional fields may be absent or null', () => {
    expect(accepted(withField(company, 'data.company', { uuid: ACCOUNT.uuid, name: 'Example Company' }))).toBeDefined();
    const nulls = { ...ACCOUNT, status: null, currency_code: null, email_for_notification: null, vat_number: null, address: null };
    expect(dataOf(accepted(withField(company, 'data.company', nulls)))).toEqual({ company: nulls });
  });

  it('accepts an empty or partial address (all its fields are optional)', () => {
    expect(accepted(withField(company, 'data.company.address', {}))).toBeDefined();
    expect(accepted(withField(company, 'data.company.address', { city: 'Example City', country_code: null }))).toBeDefined();
  });

  it('requires a UUID-shaped uuid (the vendor example is one), in any case', () => {
    expect(rejected(withField(company, 'data.company.uuid', 'b528bcb9-86cf-2d72834d02ab'))).toContainEqual({
      path: 'data.company.uuid',
      message: 'Expected a UUID (8-4-4-4-12 hex digits)',
    });
    expect(accepted(withField(company, 'data.company.uuid', ACCOUNT.uuid.toUpperCase())).subject).toBe(ACCOUNT.uuid.toUpperCase());
  });

  it('accepts any status title (they differ in case and between pages) and refuses a non-numeric status id', () => {
    expect(accepted(withField(company, 'data.company.status', { id: 5, title: 'Not Available' }))).toBeDefined();
    expect(rejected(withField(company, 'data.company.status.id', 'pending')).map((i) => i.path)).toEqual(['data.company.status.id']);
  });

  it('refuses fields of the wrong type', () => {
    expect(rejected(withField(company, 'data.company.name', 42)).map((i) => i.path)).toEqual(['data.company.name']);
    expect(rejected(withField(company, 'data.company.vat_number', 123456789)).map((i) => i.path)).toEqual(['data.company.vat_number']);
    expect(rejected(withField(company, 'data.company.address', 'Green Street 52/1')).map((i) => i.path)).toEqual(['data.company.address']);
    expect(rejected(withField(company, 'data.company', [ACCOUNT])).map((i) => i.path)).toEqual(['data.company']);
  });

  it('keeps fields it does not declare, at every level', () => {
    const extra = withField(withField(company, 'data.company.account_type', 3), 'data.company.address.region', 'North');
    const data = dataOf(accepted(withField(extra, 'data.source', 'ui')));
    expect(data).toMatchObject({ source: 'ui', company: { account_type: 3, address: { region: 'North' } } });
  });
});

describe('company events through the handler', () => {
  it('answers 422 naming the missing field, and publishes nothing', async () => {
    const r = relay();
    const response = await r.post(without(example('company.updated'), 'data.company.uuid'));
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ error: 'invalid_payload', issues: [{ path: 'data.company.uuid', message: MISSING }] });
    expect(r.published).toEqual([]);
  });

  it('publishes the CloudEvent with its subject and company_uuid', async () => {
    const r = relay();
    const response = await r.post(example('company.deleted'));
    expect(response.status).toBe(200);
    const [message] = r.published;
    expect(JSON.parse(message?.Message ?? '')).toMatchObject({ type: 'company.deleted', subject: ACCOUNT.uuid, time: '2024-04-01T00:00:00Z' });
    expect(message?.MessageAttributes).toEqual({
      event_type: { DataType: 'String', StringValue: 'company.deleted' },
      event_id: { DataType: 'String', StringValue: response.json.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      company_uuid: { DataType: 'String', StringValue: ACCOUNT.uuid },
      integrity_tag: TAGGED,
    });
  });
});
