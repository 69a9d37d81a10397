import { registerUser } from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

// 40 argon2id checks at once on a 2-core machine.

describe('login lockout under concurrent guesses', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000', LOGIN_MAX_FAILURES: '5' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('checks at most LOGIN_MAX_FAILURES of 40 concurrent guesses; the right one at 37 is refused', async () => {
    const u = await registerUser(t.http);
    const guesses = Array.from({ length: 40 }, (_, i) =>
      i === 36 ? u.password : `wrong guess number ${i} of the flood`,
    );
    const answers = await Promise.all(
      guesses.map((password) =>
        t.http.post('/api/auth/login', { login: u.user.username, password }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    const checked = statuses.filter((s) => s !== 429);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(35);
    expect(statuses.every((s) => s === 401 || s === 429 || s === 200)).toBe(true);
    // The right password only got through if it was one of the few attempts allowed a check.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    for (const a of answers.filter((x) => x.status === 429)) {
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    if (statuses[36] !== 200) {
      // still locked afterwards, right password or not
      const after = await t.http.post('/api/auth/login', {
        login: u.user.username,
        password: u.password,
      });
      expect(after.status).toBe(429);
    }
  });

  it('counts a wrong currentPassword on change-password toward the same lockout', async () => {
    const u = await registerUser(t.http);
    const change = (currentPassword: string) =>
      t.http.post(
        '/api/auth/change-password',
        { currentPassword, newPassword: `${u.password}-renewed-Quartz` },
        { token: u.accessToken },
      );
    for (let i = 0; i < 3; i++) {
      expect((await change(`not my password at all ${i}`)).status).toBe(400);
    }
    for (let i = 0; i < 2; i++) {
      const res = await t.http.post('/api/auth/login', {
        login: u.user.username,
        password: `still not my password ${i}`,
      });
      expect(res.status).toBe(401);
    }
    // five failures across both routes: locked for login and for change-password alike
    const locked = await t.http.post('/api/auth/login', {
      login: u.user.username,
      password: u.password,
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await change(u.password)).status).toBe(429);
  });
});
