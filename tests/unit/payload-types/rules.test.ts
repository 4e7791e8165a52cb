import {
  accepted,
  dataOf,
  example,
  MISSING,
  NORMALISED_SIM_CARD,
  rejected,
  relay,
  RULE,
  TAGGED,
  SIM_CARD,
  SIM_CARD_ATTRIBUTES,
  without,
  withField,
} from './fixtures';

const TYPES = [
  'rule.sim_card.current_usage.triggered',
  'rule.sim_card.status.changed',
  'rule.sim_card.remaining_usage.triggered',
  'rule.sim_card.remaining_usage_triggered',
  'rule.sim_card.imei.changed',
  'rule.sim_card.date.triggered',
];

describe.each(TYPES)('%s (data.rule: Rule Model, data.sim_card: SIM Card Model)', (type) => {
  it("accepts the vendor's example (a rule uuid that is a timestamp), numbers normalised", () => {
    const valid = accepted(example(type));
    expect(valid.type).toBe(type);
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
    expect(dataOf(valid)).toEqual({ rule: RULE, sim_card: NORMALISED_SIM_CARD });
  });

  it('has the ICCID as subject, and rule_uuid with the SIM attributes', () => {
    const valid = accepted(example(type));
    expect(valid.subject).toBe(SIM_CARD.iccid);
    expect(valid.attributes).toEqual({ rule_uuid: RULE.uuid, ...SIM_CARD_ATTRIBUTES });
  });

  it.each([
    'data.rule',
    'data.rule.uuid',
    'data.rule.name',
    'data.rule.description',
    'data.sim_card',
    'data.sim_card.iccid',
    'data.sim_card.status.title',
    'created_at.unix_timestamp',
  ])('a missing %s is an issue naming its path', (path) => {
    expect(rejected(without(example(type), path))).toContainEqual({ path, message: MISSING });
  });

  it('refuses an empty rule uuid and a numeric one', () => {
    expect(rejected(withField(example(type), 'data.rule.uuid', '')).map((i) => i.path)).toEqual(['data.rule.uuid']);
    expect(rejected(withField(example(type), 'data.rule.uuid', 1711929600)).map((i) => i.path)).toEqual(['data.rule.uuid']);
  });
});

describe('rule.sim_card.remaining_usage: both documented spellings', () => {
  it('are accepted by the same declaration and published under the type as sent', async () => {
    const r = relay();
    for (const type of ['rule.sim_card.remaining_usage.triggered', 'rule.sim_card.remaining_usage_triggered']) {
      const response = await r.post(example(type));
      expect(response.status).toBe(200);
    }
    expect(r.published.map((m) => (JSON.parse(m.Message) as { type: string }).type)).toEqual([
      'rule.sim_card.remaining_usage.triggered',
      'rule.sim_card.remaining_usage_triggered',
    ]);
    expect(r.published.map((m) => m.MessageAttributes.event_type?.StringValue)).toEqual([
      'rule.sim_card.remaining_usage.triggered',
      'rule.sim_card.remaining_usage_triggered',
    ]);
    // Each message's own: its type, its id, its dRoam source and its integrity tag.
    const own = new Set(['event_type', 'event_id', 'droam_source', 'integrity_tag']);
    const others = r.published.map((m) => Object.entries(m.MessageAttributes).filter(([name]) => !own.has(name)));
    expect(others[1]).toEqual(others[0]);
    expect(others[0]?.length).toBe(6);
  });
});

describe('SIM card rules through the handler', () => {
  it('answers 422 naming the missing field, and publishes nothing', async () => {
    const r = relay();
    const response = await r.post(without(example('rule.sim_card.status.changed'), 'data.rule.uuid'));
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ error: 'invalid_payload', issues: [{ path: 'data.rule.uuid', message: MISSING }] });
    expect(r.published).toEqual([]);
  });

  it('names every missing field of a payload with several', async () => {
    const r = relay();
    const response = await r.post(without(without(example('rule.sim_card.imei.changed'), 'data.rule.name'), 'data.sim_card.iccid'));
    expect(response.status).toBe(422);
    expect(response.json.issues).toEqual(
      expect.arrayContaining([
        { path: 'data.rule.name', message: MISSING },
        { path: 'data.sim_card.iccid', message: MISSING },
      ]),
    );
  });

  it('publishes with rule_uuid, iccid and sim_status', async () => {
    const r = relay();
    const response = await r.post(withField(example('rule.sim_card.status.changed'), 'data.sim_card.status', { id: '3', title: 'Active' }));
    expect(response.status).toBe(200);
    const [message] = r.published;
    expect(JSON.parse(message?.Message ?? '')).toMatchObject({ type: 'rule.sim_card.status.changed', subject: SIM_CARD.iccid });
    expect(message?.MessageAttributes).toMatchObject({
      event_type: { DataType: 'String', StringValue: 'rule.sim_card.status.changed' },
      event_id: { DataType: 'String', StringValue: response.json.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      rule_uuid: { DataType: 'String', StringValue: RULE.uuid },
      iccid: { DataType: 'String', StringValue: SIM_CARD.iccid },
      sim_status: { DataType: 'String', StringValue: 'Active' },
      integrity_tag: TAGGED,
    });
    expect(Object.keys(message?.MessageAttributes ?? {})).toHaveLength(10);
  });
});
