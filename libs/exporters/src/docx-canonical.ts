import { readZip, writeZip } from './zip-archive';

/**
 * Makes a DOCX package from the `docx` packer reproducible. The packer stamps each zip entry with
 * the current time, names hyperlink relationships with random ids (nanoid) and numbers bookmarks
 * from a counter that lives as long as the process; none of that is content. The ids are
 * renumbered in order of appearance, consistently in every part, and the zip is written again
 * with fixed dates.
 */
export function canonicalDocx(zip: Buffer): Buffer {
  const entries = readZip(zip);
  const xml = entries.map((entry) => entry.data.toString('utf8'));

  // Relationship ids the packer made up: anything but its own sequential rIdN.
  const relationships = new Map<string, string>();
  for (const text of xml) {
    for (const match of text.matchAll(/\bId="(rId[^"]+)"/g)) {
      if (!/^rId\d+$/.test(match[1]) && !relationships.has(match[1])) {
        relationships.set(match[1], `rIdLink${relationships.size + 1}`);
      }
    }
  }
  // Bookmarks, renumbered in order of their start tags.
  const bookmarkIds = new Map<string, string>();
  const bookmarkNames = new Map<string, string>();
  for (const text of xml) {
    for (const match of text.matchAll(/<w:bookmarkStart w:name="([^"]*)" w:id="(\d+)"/g)) {
      const n = String(bookmarkIds.size + 1);
      if (!bookmarkIds.has(match[2])) bookmarkIds.set(match[2], n);
      if (/^_Toc\d+$/.test(match[1]) && !bookmarkNames.has(match[1])) {
        bookmarkNames.set(match[1], `_Toc${bookmarkNames.size + 1}`);
      }
    }
  }

  const rewritten = entries.map((entry, i) => {
    if (!/\.(xml|rels)$/.test(entry.name)) return entry;
    const text = xml[i]
      .replace(/="(rId[^"]+)"/g, (all, id: string) => {
        const next = relationships.get(id);
        return next ? `="${next}"` : all;
      })
      // The tag first, then its id inside it: one lazy scan up to `w:id` per tag is quadratic.
      .replace(/<w:bookmark(?:Start|End)\b[^<>]*>/g, (tag) =>
        tag.replace(/\bw:id="(\d+)"/, (all, id: string) => {
          const next = bookmarkIds.get(id);
          return next ? `w:id="${next}"` : all;
        }),
      )
      .replace(/\b_Toc\d+\b/g, (name) => bookmarkNames.get(name) ?? name);
    return { name: entry.name, data: Buffer.from(text, 'utf8') };
  });
  return writeZip(rewritten);
}
