// A Jest suite against a seeded slab5d (docs/testing.md):
//
//   slab5d exec --seed examples/fixtures/acme.json -- npx jest
//
// slab5d exec exports SLAB5_API_BASE_URL; examples/fixtures/acme.json hard-codes the key.
const BASE = process.env.SLAB5_API_BASE_URL;
const CI_KEY = "slab5_sk_ExampleFixtureKeyForCiOnly0000011eJ6Qg";
const SESSION_USER = { email: "sam@acme.example", password: "member-password-2" };

async function call(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const api = (method, path, body) => call(method, path, body, CI_KEY);
const clock = (change) => call("POST", "/dev/clock", change);

// Each test starts from the seeded state on the real clock.
beforeEach(async () => {
  expect((await call("POST", "/dev/snapshots/seed/restore", {})).status).toBe(200);
  expect((await call("DELETE", "/dev/clock")).status).toBe(200);
});

test("the seeded companies are there on the first request", async () => {
  const r = await api("GET", "/companies");
  expect(r.status).toBe(200);
  expect(r.body.data.map((c) => c.name).sort()).toEqual(["Globex", "Initech"]);
});

test("a test may change seeded data", async () => {
  expect((await api("DELETE", "/contacts/con_01fxt000000000000000000001")).status).toBe(204);
  expect((await api("POST", "/companies", { name: "Scratch Ltd" })).status).toBe(201);
});

test("the next test sees the seed again", async () => {
  const r = await api("GET", "/companies");
  expect(r.body.data).toHaveLength(2);
});

test("a session ends when its hour is up, without waiting an hour", async () => {
  await clock({ set: "2031-01-01T09:00:00Z", freeze: true });
  const login = await call("POST", "/auth/session", { provider: "local", ...SESSION_USER });
  expect(login.status).toBe(200);
  const token = login.body.data.accessToken;
  expect((await call("GET", "/me", undefined, token)).status).toBe(200);
  await clock({ advance: "1h" });
  const after = await call("GET", "/me", undefined, token);
  expect(after.status).toBe(401);
});
