// `testTimeout` is a global Jest option, ignored inside `projects`: e2e files get theirs here.
// 120 s: the slowest hooks start two API processes, or a browser, on a loaded 2-core runner.
jest.setTimeout(120_000);
