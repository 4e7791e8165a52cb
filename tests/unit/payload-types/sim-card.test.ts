import {
  ACCOUNT,
  accepted,
  dataOf,
  END_USER,
  example,
  MISSING,
  NORMALISED_SIM_CARD,
  rejected,
  relay,
  SIM_CARD,
  SIM_CARD_ATTRIBUTES,
  without,
  withField,
  TAGGED,
} from './fixtures';

const TYPES = ['sim_card.assigned_to_end_user', 'sim_card.first_usage'];

describe.each(TYPES)('%s (data.sim_card: SIM Card Model)', (type) => {
  it("accepts the vendor's example: numbers normalised, money and the rest as sent", () => {
    const valid = accepted(example(type));
    expect(valid.type).toBe(type);
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
    expect(dataOf(valid)).toEqual({ sim_card: NORMALISED_SIM_CARD });
  });

  it('has the ICCID as subject, and iccid, the status, the company, the end user and the usage as attributes', () => {
    const valid = accepted(example(type));
    expect(valid.subject).toBe(SIM_CARD.iccid);
    expect(valid.attributes).toEqual(SIM_CARD_ATTRIBUTES);
  });

  it('has only iccid when the SIM carries nothing else', () => {
    const valid = accepted(withField(example(type), 'data.sim_card', { iccid: '8920000012345678901' }));
    expect(Object.entries(valid.attributes).filter(([, value]) => value !== undefined)).toEqual([['iccid', '8920000012345678901']]);
  });

  it.each([
    'data.sim_card',
    'data.sim_card.iccid',
    'data.sim_card.status.id',
    'data.sim_card.status.title',
    'data.sim_card.plan.uuid',
    'data.sim_card.plan.type',
    'data.sim_card.plan.name',
    'data.sim_card.plan.prepaid_refills.0.uuid',
    'data.sim_card.plan.prepaid_refills.1.amount_mb',
    'data.sim_card.plan.prepaid_refills.0.price',
    'data.sim_card.plan.prepaid_refills.0.currency_code',
    'data.sim_card.company.uuid',
    'data.sim_card.company.name',
    'created_at.unix_timestamp',
  ])('a missing %s is an issue naming its path', (path) => {
    expect(rejected(without(example(type), path))).toContainEqual({ path, message: MISSING });
  });
});

describe('the SIM Card Model', () => {
  const sim = example('sim_card.first_usage');

  it('needs only iccid; optional fields may be absent or null', () => {
    expect(accepted(withField(sim, 'data.sim_card', { iccid: SIM_CARD.iccid }))).toBeDefined();
    const nulls = Object.fromEntries(Object.keys(SIM_CARD).map((key) => [key, key === 'iccid' ? SIM_CARD.iccid : null]));
    expect(dataOf(accepted(withField(sim, 'data.sim_card', nulls)))).toEqual({ sim_card: nulls });
  });

  it('takes details as a key→value object, digit strings normalised and other keys kept', () => {
    const valid = accepted(withField(sim, 'data.sim_card.details', { current_usage_kb: '2048', voice_minutes: 3 }));
    expect(dataOf(valid)).toMatchObject({ sim_card: { details: { current_usage_kb: 2048, voice_minutes: 3 } } });
    expect(valid.attributes).toMatchObject({ current_usage_kb: 2048 });
    expect(accepted(withField(sim, 'data.sim_card.details', {})).attributes).toMatchObject({ current_usage_kb: undefined });
  });

  it("publishes details sent as PHP's empty array [] as {}", () => {
    const valid = accepted(withField(sim, 'data.sim_card.details', []));
    expect(dataOf(valid)).toMatchObject({ sim_card: { details: {} } });
    expect(valid.attributes).toMatchObject({ current_usage_kb: undefined });
  });

  it.each([
    ['a non-empty array', [{ current_usage_kb: 512 }], 'data.sim_card.details'],
    ['a string', 'current_usage_kb=512', 'data.sim_card.details'],
    ['a usage that is not an integer', { current_usage_kb: '51.2' }, 'data.sim_card.details.current_usage_kb'],
    ['a negative usage', { current_usage_kb: -1 }, 'data.sim_card.details.current_usage_kb'],
  ])('refuses details as %s', (_, details, path) => {
    expect(rejected(withField(sim, 'data.sim_card.details', details)).map((i) => i.path)).toEqual([path]);
  });

  it('takes end_user as an Account (normalised) or as an open End User object (kept as sent)', () => {
    expect(dataOf(accepted(withField(sim, 'data.sim_card.end_user', { ...ACCOUNT, name: 'End User Ltd' })))).toMatchObject({
      sim_card: { end_user: { name: 'End User Ltd', status: { id: 1 } } },
    });
    const open = { uuid: 'eu-17', first_name: 'Ana' };
    const valid = accepted(withField(sim, 'data.sim_card.end_user', open));
    expect(dataOf(valid)).toMatchObject({ sim_card: { end_user: open } });
    expect(valid.attributes).toMatchObject({ end_user_uuid: 'eu-17' });
  });

  it('accepts open-ended status titles and plan and SIM types', () => {
    const other = withField(withField(sim, 'data.sim_card.status', { id: 7, title: 'Activation ready' }), 'data.sim_card.sim_card_type', 'PAYGO');
    const valid = accepted(withField(other, 'data.sim_card.plan.type', 'dynamic_pool'));
    expect(valid.attributes).toMatchObject({ sim_status: 'Activation ready' });
    // The status id is published in data only: the attributes have no room for it.
    expect(valid.attributes).not.toHaveProperty('sim_status_id');
    expect(dataOf(valid)).toMatchObject({ sim_card: { status: { id: 7, title: 'Activation ready' } } });
  });

  it('keeps money as the decimal string sent, and writes a number as its decimal string', () => {
    expect(dataOf(accepted(withField(sim, 'data.sim_card.plan.prepaid_refills.0.price', '90.10')))).toMatchObject({
      sim_card: { plan: { prepaid_refills: [{ price: '90.10' }, { price: '90.95' }] } },
    });
    expect(dataOf(accepted(withField(sim, 'data.sim_card.plan.prepaid_refills.0.price', 90.95)))).toMatchObject({
      sim_card: { plan: { prepaid_refills: [{ price: '90.95' }, { price: '90.95' }] } },
    });
  });

  it.each([
    ['is_e_sim as a string', 'data.sim_card.is_e_sim', 'false'],
    ['a plan uuid that is not a UUID', 'data.sim_card.plan.uuid', 'b528bcb9-86cf-2d72834d02ab'],
    ['a company uuid that is not a UUID', 'data.sim_card.company.uuid', '1711929600'],
    ['an empty iccid', 'data.sim_card.iccid', ''],
    ['a numeric iccid', 'data.sim_card.iccid', 89200000123456],
    ['prepaid_refills as an object', 'data.sim_card.plan.prepaid_refills', { 0: {} }],
    ['a price with a decimal comma', 'data.sim_card.plan.prepaid_refills.0.price', '90,95'],
    ['an amount_mb with decimals', 'data.sim_card.plan.prepaid_refills.0.amount_mb', '315.5'],
    ['a status id that is not a number', 'data.sim_card.status.id', 'pending'],
  ])('refuses %s, naming it', (_, path, value) => {
    expect(rejected(withField(sim, path, value)).map((i) => i.path)).toEqual([path]);
  });
});

describe('SIM card events through the handler', () => {
  it('answers 422 naming the missing field, and publishes nothing', async () => {
    const r = relay();
    const response = await r.post(without(example('sim_card.first_usage'), 'data.sim_card.iccid'));
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ error: 'invalid_payload', issues: [{ path: 'data.sim_card.iccid', message: MISSING }] });
    expect(r.published).toEqual([]);
  });

  it('publishes with iccid, sim_status (String) and current_usage_kb (Number)', async () => {
    const r = relay();
    const response = await r.post(example('sim_card.assigned_to_end_user'));
    expect(response.status).toBe(200);
    const [message] = r.published;
    expect(JSON.parse(message?.Message ?? '')).toMatchObject({ type: 'sim_card.assigned_to_end_user', subject: SIM_CARD.iccid });
    expect(message?.MessageAttributes).toEqual({
      event_type: { DataType: 'String', StringValue: 'sim_card.assigned_to_end_user' },
      event_id: { DataType: 'String', StringValue: response.json.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      iccid: { DataType: 'String', StringValue: SIM_CARD.iccid },
      sim_status: { DataType: 'String', StringValue: 'pending' },
      company_uuid: { DataType: 'String', StringValue: ACCOUNT.uuid },
      end_user_uuid: { DataType: 'String', StringValue: END_USER.uuid },
      current_usage_kb: { DataType: 'Number', StringValue: '512' },
      integrity_tag: TAGGED,
    });
  });
});
