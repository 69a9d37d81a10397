import { PasswordService } from './password.service';

describe('PasswordService', () => {
  const passwords = new PasswordService();
  const context = { username: 'grace', email: 'ghopper@example.com' };

  it('accepts a long, uncommon passphrase', () => {
    expect(passwords.check('vivid harbor lantern 7 quartz', context)).toEqual([]);
  });

  it.each([
    ['14 characters', 'Ab3$efgh1jk!mn', /at least 15/],
    ['129 characters', 'a'.repeat(129), /at most 128/],
    ['a common password', 'password1234567', /common/],
    ['a repeated character', 'aaaaaaaaaaaaaaaaaaaa', /common/],
    ['the username', 'my-GRACE-harbor-lantern-77', /username/],
    ['the email local part', 'xx ghopper harbor lantern', /email/],
  ])('refuses %s', (_label, password, reason) => {
    expect(passwords.check(password, context).join()).toMatch(reason);
  });

  it('counts characters after NFKC, not UTF-16 units, and never truncates', () => {
    // 15 emoji = 30 UTF-16 units but 15 characters: accepted on length
    const emoji = '🦊🐙🦉🐝🦋🐢🦔🐧🦜🐳🦩🐿🦚🐌🦀';
    expect(passwords.check(emoji, context).join()).not.toMatch(/at least/);
    // the ﬁ ligature becomes "fi": 14 ligatures are 28 characters after NFKC
    expect(passwords.normalize('ﬁ')).toBe('fi');
  });

  it('hashes with argon2id m=19456 t=2 p=1 and verifies NFKC-equivalent input', async () => {
    const hash = await passwords.hash('ﬁrefly harbor lantern 42');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await passwords.verify(hash, 'firefly harbor lantern 42')).toBe(true);
    expect(await passwords.verify(hash, 'firefly harbor lantern 4')).toBe(false);
    expect(await passwords.verify('not-a-hash', 'x')).toBe(false);
  });

  it('spends a real verification on unknown accounts and always fails', async () => {
    const started = Date.now();
    expect(await passwords.verifyDummy('whatever')).toBe(false);
    expect(Date.now() - started).toBeGreaterThan(2);
  });
});
