import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool, run } from '../deploy/tools';
import { FIXTURE } from './export-fixture';
import { countingServer, exporterHarness, type Harness } from './exporter-harness';

// Reads the DOCX export back with two independent readers: pandoc and python-docx.
const PY_READER = String.raw`
import json, sys, docx
from docx.oxml.ns import qn
d = docx.Document(sys.argv[1])
body = d.element.body
def numbering(p):
    pPr = p._p.pPr
    if pPr is None or pPr.numPr is None: return None
    num_id = pPr.numPr.numId.val
    level = pPr.numPr.ilvl.val
    numbering = d.part.numbering_part.element
    num = [n for n in numbering.findall(qn('w:num')) if n.get(qn('w:numId')) == str(num_id)][0]
    abstract_id = num.find(qn('w:abstractNumId')).get(qn('w:val'))
    abstract = [a for a in numbering.findall(qn('w:abstractNum')) if a.get(qn('w:abstractNumId')) == abstract_id][0]
    lvl = [l for l in abstract.findall(qn('w:lvl')) if l.get(qn('w:ilvl')) == str(level)][0]
    return { 'level': level, 'format': lvl.find(qn('w:numFmt')).get(qn('w:val')), 'numId': num_id }
links = []
for h in body.iter(qn('w:hyperlink')):
    rid = h.get(qn('r:id'))
    text = ''.join(t.text or '' for t in h.iter(qn('w:t')))
    if rid: links.append({ 'text': text, 'url': d.part.rels[rid].target_ref })
instr = ' '.join(i.text or '' for i in d.element.iter(qn('w:instrText')))
footer_instr = ' '.join(i.text or '' for i in d.sections[0].footer._element.iter(qn('w:instrText')))
footer_fields = [f.get(qn('w:instr')) for f in d.sections[0].footer._element.iter(qn('w:fldSimple'))]
print(json.dumps({
  'paragraphs': [{ 'style': p.style.name, 'text': ''.join(t.text or '' for t in p._p.iter(qn('w:t'))), 'numbering': numbering(p) } for p in d.paragraphs],
  'tables': [[[c.text for c in r.cells] for r in t.rows] for t in d.tables],
  'links': links,
  'tocField': instr,
  'footerFields': footer_instr + ' ' + ' '.join(f or '' for f in footer_fields),
  'header': ' '.join(p.text for p in d.sections[0].header.paragraphs),
  'pageBreaks': len([b for b in body.iter(qn('w:br')) if b.get(qn('w:type')) == 'page']),
  'created': d.core_properties.created.isoformat(),
}))
`;

/** python-docx comes from Debian (python3-docx), so it is the system interpreter's, not a venv's. */
function debianPython(): string {
  const python = '/usr/bin/python3';
  if (!existsSync(python) || run(python, ['-c', 'import docx']).status !== 0) {
    throw new Error(
      'python-docx is not installed: apt-get install python3-docx (listed in .ci/run apt_packages)',
    );
  }
  return python;
}

interface PyDoc {
  paragraphs: Array<{
    style: string;
    text: string;
    numbering: { level: number; format: string; numId: number } | null;
  }>;
  tables: string[][][];
  links: Array<{ text: string; url: string }>;
  tocField: string;
  footerFields: string;
  header: string;
  pageBreaks: number;
  created: string;
}

describe('the DOCX export, read back by pandoc and python-docx', () => {
  let harness: Harness;
  let file: string;
  const dir = mkdtempSync(join(tmpdir(), 'cb-docx-'));

  beforeAll(async () => {
    harness = exporterHarness();
    const { body, contentType, extension } = await harness.exporter.export('docx', FIXTURE);
    expect(contentType).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(extension).toBe('docx');
    file = join(dir, 'fixture.docx');
    writeFileSync(file, body);
  });
  afterAll(() => harness.close());

  it('reads as GFM with numbered headings, nested lists, a table and links (pandoc)', () => {
    const pandoc = requireTool('pandoc', 'pandoc');
    const result = run(pandoc, ['-f', 'docx', '-t', 'gfm', '--wrap=none', file]);
    expect(result.status).toBe(0);
    const gfm = result.stdout;
    expect(gfm).toMatch(/^# 1 Introduction$/m);
    expect(gfm).toMatch(/^## 1\.1 Scope$/m);
    expect(gfm).toMatch(/^### 1\.2\.1 Notes$/m);
    // Nested bullets: the children are indented under their parent.
    expect(gfm).toMatch(/^- {1,3}Hosting\n\n? {2,4}- {1,3}Primary region$/m);
    // Numbered list with a nested numbered list that starts again at 1.
    expect(gfm).toMatch(/^1\. {1,2}Sign the order$/m);
    expect(gfm).toMatch(/^2\. {1,2}Pay the invoice\n\n? {3,4}1\. {1,2}By card$/m);
    expect(gfm).toMatch(/^\| \*\*Plan\*\* +\| \*\*Price\*\* +\| \*\*Seats\*\* +\|$/m);
    expect(gfm).toMatch(/^\| Premium +\| 250 +\| 50 +\|$/m);
    expect(gfm).toContain('[our terms](https://example.com/terms)');
    expect(gfm).toContain('<https://example.com/contact>');
  });

  it('has real heading styles, Word numbering, table cells, hyperlinks, a TOC field, header and page numbers (python-docx)', () => {
    const result = run(debianPython(), ['-c', PY_READER, file]);
    expect(result.stderr).toBe('');
    const doc = JSON.parse(result.stdout) as PyDoc;
    const byText = (text: string) => doc.paragraphs.find((p) => p.text === text);

    expect(byText('1 Introduction')?.style).toBe('Heading 1');
    expect(byText('1.1 Scope')?.style).toBe('Heading 2');
    expect(byText('1.2 Prices')?.style).toBe('Heading 2');
    expect(byText('1.2.1 Notes')?.style).toBe('Heading 3');

    expect(byText('Hosting')?.numbering).toMatchObject({ level: 0, format: 'bullet' });
    expect(byText('Primary region')?.numbering).toMatchObject({ level: 1, format: 'bullet' });
    expect(byText('Sign the order')?.numbering).toMatchObject({ level: 0, format: 'decimal' });
    expect(byText('By card')?.numbering).toMatchObject({ level: 1 });
    expect(byText('By card')?.numbering?.format).not.toBe('bullet');

    expect(doc.tables).toEqual([
      [
        ['Plan', 'Price', 'Seats'],
        ['Basic', '10', '5'],
        ['Premium', '250', '50'],
      ],
    ]);
    expect(doc.links).toEqual([
      { text: 'our terms', url: 'https://example.com/terms' },
      { text: 'https://example.com/contact', url: 'https://example.com/contact' },
    ]);
    expect(doc.tocField).toMatch(/^TOC .*\\o "1-6"/);
    expect(doc.header).toBe('Service Agreement');
    expect(doc.footerFields).toMatch(/(^|\s)PAGE(\s|$)/);
    expect(doc.footerFields).toMatch(/NUMPAGES/);
    expect(doc.pageBreaks).toBe(1);
    expect(doc.created).toBe('2000-01-01T00:00:00');
  });

  it('lays out in LibreOffice with the header title, the page break and "Page n of m" in the footer', () => {
    const soffice = requireTool('soffice', 'libreoffice-writer-nogui');
    // A profile of its own, so a LibreOffice someone else runs cannot take the conversion over.
    const profile = `file://${join(dir, 'lo-profile')}`;
    const converted = run(soffice, [
      `-env:UserInstallation=${profile}`,
      '--headless',
      '--convert-to',
      'pdf',
      '--outdir',
      dir,
      file,
    ]);
    expect(converted.status).toBe(0);
    const pdf = join(dir, 'fixture.pdf');
    const info = run(requireTool('pdfinfo', 'poppler-utils'), [pdf]).stdout;
    expect(info).toMatch(/^Pages:\s+2$/m);
    const text = run(requireTool('pdftotext', 'poppler-utils'), [pdf, '-']).stdout;
    const [first, second] = text.split('\f');
    expect(first).toContain('Service Agreement');
    expect(first).toContain('Page 1 of 2');
    expect(first).not.toContain('Premium');
    expect(second).toContain('Premium');
    expect(second).toContain('Page 2 of 2');
  });

  it('never requests an image URL while converting: it becomes its alt text linked to the URL', async () => {
    const server = await countingServer();
    try {
      const markdown = `Logo: ![secret logo](${server.url}/secret.png)\n\n![x](${server.url}/other)`;
      const source = { title: 'Images', markdown, toc: [] };
      const { body } = await harness.exporter.export('docx', source);
      await harness.exporter.export('html', source);
      await harness.exporter.export('text', source);
      const path = join(dir, 'images.docx');
      writeFileSync(path, body);
      const gfm = run(requireTool('pandoc', 'pandoc'), [
        '-f',
        'docx',
        '-t',
        'gfm',
        '--wrap=none',
        path,
      ]).stdout;
      expect(gfm).toContain(`[secret logo](${server.url}/secret.png)`);
      // The control: the server counts what reaches it.
      await fetch(`${server.url}/control`);
      expect(server.requests).toEqual(['/control']);
    } finally {
      await server.close();
    }
  });
});
