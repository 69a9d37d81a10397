import { type ContentDiffInput, contentDiff } from './content-diff';

/** Worker-thread entry: the unified diff of two versions' contents. */
export function diffContents(input: ContentDiffInput): string {
  return contentDiff(input.from, input.to);
}
