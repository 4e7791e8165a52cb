import { ACCOUNT, accepted, dataOf, END_USER, example, MISSING, rejected, relay, USER, without, withField, TAGGED } from './fixtures';

const TYPES = ['company.staff.added', 'company.staff.deleted', 'company.staff.updated'];

describe.each(TYPES)('%s (data.user: User Model)', (type) => {
  it("accepts the vendor's example, its four-group user uuid included: numbers normalised, the rest as sent", () => {
    const valid = accepted(example(type));
    expect(valid.type).toBe(type);
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
    expect(dataOf(valid)).toEqual({
      user: {
        ...USER,
        status: { id: 1, title: 'pending' },
        company: { ...ACCOUNT, status: { id: 1, title: 'pending' } },
        end_user: { ...END_USER, status: { id: 3, title: 'Active' } },
      },
    });
  });

  it("has the user uuid as subject, and the user's, company's and end user's uuids as attributes", () => {
    const valid = accepted(example(type));
    expect(valid.subject).toBe('b528bcb9-86cf-2d72834d02ab');
    expect(valid.attributes).toEqual({ user_uuid: 'b528bcb9-86cf-2d72834d02ab', company_uuid: ACCOUNT.uuid, end_user_uuid: END_USER.uuid });
  });

  it('leaves company_uuid and end_user_uuid out when the user has neither', () => {
    const bare = withField(example(type), 'data.user', { uuid: 'u-1', email: 'staff@example.com' });
    expect(accepted(bare).attributes).toEqual({ user_uuid: 'u-1', company_uuid: undefined, end_user_uuid: undefined });
  });

  it.each([
    'data.user',
    'data.user.uuid',
    'data.user.email',
    'data.user.status.id',
    'data.user.company.uuid',
    'data.user.company.name',
    'created_at.human_time',
  ])('a missing %s is an issue naming its path', (path) => {
    expect(rejected(without(example(type), path))).toContainEqual({ path, message: MISSING });
  });
});

describe('the User Model', () => {
  const staff = example('company.staff.updated');

  it('needs only uuid and email; optional fields may be absent or null', () => {
    expect(accepted(withField(staff, 'data.user', { uuid: USER.uuid, email: USER.email }))).toBeDefined();
    const nulls = Object.fromEntries(Object.keys(USER).map((key) => [key, key === 'uuid' || key === 'email' ? USER[key] : null]));
    expect(dataOf(accepted(withField(staff, 'data.user', nulls)))).toEqual({ user: nulls });
  });

  it('does not require its uuid to be a UUID, but refuses an empty one', () => {
    expect(accepted(withField(staff, 'data.user.uuid', '42')).subject).toBe('42');
    expect(rejected(withField(staff, 'data.user.uuid', '')).map((i) => i.path)).toEqual(['data.user.uuid']);
  });

  it('refuses fields of the wrong type', () => {
    expect(rejected(withField(staff, 'data.user.is_two_factor_enabled', 'true')).map((i) => i.path)).toEqual(['data.user.is_two_factor_enabled']);
    expect(rejected(withField(staff, 'data.user.email', null)).map((i) => i.path)).toEqual(['data.user.email']);
    expect(rejected(withField(staff, 'data.user.company.uuid', 'not-a-uuid')).map((i) => i.path)).toEqual(['data.user.company.uuid']);
  });
});

describe('staff events through the handler', () => {
  it('answers 422 naming the missing field, and publishes nothing', async () => {
    const r = relay();
    const response = await r.post(without(example('company.staff.added'), 'data.user.email'));
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ error: 'invalid_payload', issues: [{ path: 'data.user.email', message: MISSING }] });
    expect(r.published).toEqual([]);
  });

  it('publishes with user_uuid, company_uuid and end_user_uuid', async () => {
    const r = relay();
    const response = await r.post(example('company.staff.added'));
    expect(response.status).toBe(200);
    const [message] = r.published;
    expect(JSON.parse(message?.Message ?? '')).toMatchObject({ type: 'company.staff.added', subject: USER.uuid });
    expect(message?.MessageAttributes).toEqual({
      event_type: { DataType: 'String', StringValue: 'company.staff.added' },
      event_id: { DataType: 'String', StringValue: response.json.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      user_uuid: { DataType: 'String', StringValue: USER.uuid },
      company_uuid: { DataType: 'String', StringValue: ACCOUNT.uuid },
      end_user_uuid: { DataType: 'String', StringValue: END_USER.uuid },
      integrity_tag: TAGGED,
    });
  });
});
