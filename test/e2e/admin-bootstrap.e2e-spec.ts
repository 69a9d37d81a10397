import { createTestDatabase } from '../support/test-database';
import { startTestApp } from '../support/test-app';

describe('first start: the default tenant and its admin', () => {
  it('creates the admin from ADMIN_* once, never logs the password, and a restart adds nobody', async () => {
    const password = 'vivid harbor lantern quartz 77';
    const env = {
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_USERNAME: 'rootadmin',
      ADMIN_PASSWORD: password,
    };
    const database = await createTestDatabase();
    const first = await startTestApp({ env, databaseUrl: database.url });
    try {
      const res = await first.http.post('/api/auth/login', { login: 'rootadmin', password });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ role: 'admin', email: 'root@example.com' });
      const tenant = await first.db.query('SELECT name FROM tenants WHERE id = $1', [
        res.body.user.tenantId,
      ]);
      expect(tenant.rows[0].name).toBe('Default');
      expect(JSON.stringify(first.logs)).not.toContain(password);
    } finally {
      await first.close();
    }
    const second = await startTestApp({
      env: { ...env, ADMIN_USERNAME: 'someoneelse', ADMIN_EMAIL: 'else@example.com' },
      databaseUrl: database.url,
    });
    try {
      const users = await second.db.query('SELECT username FROM users');
      expect(users.rows.map((r) => r.username)).toEqual(['rootadmin']);
    } finally {
      await second.close();
      await database.drop();
    }
  });

  it('generates a strong password and prints it once on stderr, never into the JSON log', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      writes.push(String(chunk));
      return true;
    });
    const t = await startTestApp({ env: { ADMIN_USERNAME: 'generated' } });
    spy.mockRestore();
    try {
      const printed = writes.join('');
      const match = /username "generated", password "([^"]+)"/.exec(printed);
      expect(match).not.toBeNull();
      const password = match![1];
      expect(password.length).toBeGreaterThanOrEqual(15);
      expect(JSON.stringify(t.logs)).not.toContain(password);
      const res = await t.http.post('/api/auth/login', { login: 'generated', password });
      expect(res.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('creates nobody in tests without ADMIN_*', async () => {
    const t = await startTestApp();
    try {
      expect((await t.db.query('SELECT 1 FROM users')).rowCount).toBe(0);
    } finally {
      await t.close();
    }
  });
});
