import { accepted, dataOf, END_USER, example, MISSING, rejected, relay, without, withField, TAGGED } from './fixtures';

const TYPES = ['end_user.added', 'end_user.deleted', 'end_user.updated'];

describe.each(TYPES)('%s (data.end_user: End User Model, undocumented)', (type) => {
  it('accepts an end user shaped like an Account, normalised as one', () => {
    const valid = accepted(example(type));
    expect(valid.type).toBe(type);
    expect(valid.payload.created_at.unix_timestamp).toBe(1711929600);
    expect(dataOf(valid)).toEqual({ end_user: { ...END_USER, status: { id: 3, title: 'Active' } } });
  });

  it('has the end user uuid as subject and end_user_uuid as attribute', () => {
    const valid = accepted(example(type));
    expect(valid.subject).toBe(END_USER.uuid);
    expect(valid.attributes).toEqual({ end_user_uuid: END_USER.uuid });
  });

  it('has no subject and no end_user_uuid when the end user has no uuid', () => {
    const valid = accepted(withField(example(type), 'data.end_user', { name: 'No id' }));
    expect(valid.subject).toBeUndefined();
    expect(valid.attributes).toEqual({ end_user_uuid: undefined });
  });

  it.each(['data', 'data.end_user', 'created_at.unix_timestamp', 'created_at.human_date'])('a missing %s is an issue naming its path', (path) => {
    expect(rejected(without(example(type), path))).toContainEqual({ path, message: MISSING });
  });
});

describe('the End User Model', () => {
  const endUser = example('end_user.updated');

  it('is an open object: any fields, kept as sent, with a uuid that need not be a UUID', () => {
    const open = { uuid: 'b528bcb9-86cf-2d72834d02ab', first_name: 'Ana', wallet: { remaining_balance: '1.00' }, tags: ['x'] };
    const valid = accepted(withField(endUser, 'data.end_user', open));
    expect(dataOf(valid)).toEqual({ end_user: open });
    expect(valid.subject).toBe(open.uuid);
  });

  it('accepts an empty object, and a null uuid', () => {
    expect(accepted(withField(endUser, 'data.end_user', {})).subject).toBeUndefined();
    expect(accepted(withField(endUser, 'data.end_user', { uuid: null })).attributes).toEqual({ end_user_uuid: null });
  });

  it('keeps an Account-shaped end user whose status is not an Account status as sent (the model is undocumented)', () => {
    const odd = { ...END_USER, status: { id: 'active', title: 'Active' } };
    expect(dataOf(accepted(withField(endUser, 'data.end_user', odd)))).toEqual({ end_user: odd });
  });

  it("keeps the open end user as sent even where the Account's validation, which it failed, would have normalised a part of it", () => {
    // The Account option validates (and would normalise) status before it fails on the uuid; the open option keeps all as sent.
    const open = { uuid: 'not-a-uuid', name: 'Ana', status: { id: '3', title: 'Active' } };
    expect(dataOf(accepted(withField(endUser, 'data.end_user', open)))).toEqual({ end_user: open });
    // Shaped like an Account, the same status is normalised.
    const account = { ...END_USER, status: { id: '3', title: 'Active' } };
    expect(dataOf(accepted(withField(endUser, 'data.end_user', account)))).toMatchObject({ end_user: { status: { id: 3, title: 'Active' } } });
  });

  it('keeps every member of a wide end user as sent, in an object of its own, and the declared ones normalised', () => {
    const members = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`k${String(i)}`, i % 2 === 0 ? String(i) : { n: i }]));
    const wide = { ...END_USER, status: { id: '3', title: 'Active' }, ...members };
    const published = dataOf(accepted(withField(endUser, 'data.end_user', wide))) as { end_user: Record<string, unknown> };
    expect(published.end_user).toEqual({ ...wide, status: { id: 3, title: 'Active' } });
    expect(published.end_user).not.toBe(wide);
    // Nothing needed normalising: the object itself is published.
    const unchanged = { uuid: 'not-a-uuid', ...members };
    const payload = withField(endUser, 'data.end_user', unchanged) as { data: { end_user: unknown } };
    expect((accepted(payload).payload.data as { end_user: unknown }).end_user).toBe(payload.data.end_user);
  });

  it.each([
    ['a string', 'Example End User'],
    ['an array', [END_USER]],
    ['null', null],
    ['an object with a numeric uuid', { uuid: 5 }],
  ])('refuses %s', (_, value) => {
    expect(rejected(withField(endUser, 'data.end_user', value)).map((i) => i.path)).toEqual(['data.end_user']);
  });

  it('refuses an empty uuid, naming it', () => {
    expect(rejected(withField(endUser, 'data.end_user', { uuid: '' }))).toEqual([{ path: 'data.end_user.uuid', message: 'Expected a non-empty string' }]);
  });
});

describe('end user events through the handler', () => {
  it('answers 422 naming the missing field, and publishes nothing', async () => {
    const r = relay();
    const response = await r.post(without(example('end_user.added'), 'data.end_user'));
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ error: 'invalid_payload', issues: [{ path: 'data.end_user', message: MISSING }] });
    expect(r.published).toEqual([]);
  });

  it('publishes with end_user_uuid', async () => {
    const r = relay();
    const response = await r.post(example('end_user.deleted'));
    expect(response.status).toBe(200);
    const [message] = r.published;
    expect(JSON.parse(message?.Message ?? '')).toMatchObject({ type: 'end_user.deleted', subject: END_USER.uuid });
    expect(message?.MessageAttributes).toEqual({
      event_type: { DataType: 'String', StringValue: 'end_user.deleted' },
      event_id: { DataType: 'String', StringValue: response.json.id },
      droam_source: { DataType: 'String', StringValue: 'default' },
      end_user_uuid: { DataType: 'String', StringValue: END_USER.uuid },
      integrity_tag: TAGGED,
    });
  });
});
