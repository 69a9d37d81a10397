// `testTimeout` is a global Jest option, ignored inside `projects`: e2e files get theirs here.
jest.setTimeout(60_000);
