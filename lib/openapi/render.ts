import type { JsonObject } from './document.ts';

/**
 * The API reference as one static HTML page (`docs/api-reference.html`), rendered from the OpenAPI
 * document: no script, no font, no stylesheet from elsewhere, so it opens from disk or any static host and
 * its Content-Security-Policy allows nothing but its own inline style. `npm run openapi` writes it; a unit
 * test fails while it is stale.
 */
export const REFERENCE_FILE = 'docs/api-reference.html';

type Schema = JsonObject;

const html = (text: unknown) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** `inline code` in descriptions, the only markup they use. */
const prose = (text: unknown) => html(text).replace(/`([^`]+)`/g, '<code>$1</code>');

const refName = (ref: string) => ref.replace('#/components/schemas/', '');
const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
const schemaLink = (name: string) => `<a href="#${anchor('schema', name)}">${html(name)}</a>`;

/** The facts of a schema that are not its structure: format, bounds, pattern, const, enum. */
function constraints(schema: Schema): string[] {
  const facts: string[] = [];
  if (schema.format) facts.push(`format ${html(schema.format)}`);
  if (schema.const !== undefined) facts.push(`always <code>${html(JSON.stringify(schema.const))}</code>`);
  if (Array.isArray(schema.enum))
    facts.push(`one of ${schema.enum.map((v) => `<code>${html(JSON.stringify(v))}</code>`).join(', ')}`);
  const bound = (min: string, max: string, unit: string) => {
    const lo = schema[min] as number | undefined;
    const hi = schema[max] as number | undefined;
    if (lo !== undefined && hi !== undefined) facts.push(lo === hi ? `${lo} ${unit}` : `${lo}–${hi} ${unit}`);
    else if (lo !== undefined) facts.push(`at least ${lo} ${unit}`);
    else if (hi !== undefined) facts.push(`at most ${hi} ${unit}`);
  };
  bound('minLength', 'maxLength', 'characters');
  bound('minItems', 'maxItems', 'items');
  bound('minimum', 'maximum', '(value)');
  // Zod spells formats out as patterns too; a format says it better than a page-long expression.
  if (typeof schema.pattern === 'string' && !schema.format)
    facts.push(`pattern <code>${html(schema.pattern)}</code>`);
  return facts;
}

/** A one-line type: `string`, `array of NoticeItem`, a link to a named schema, `string or null`. */
function typeOf(schema: Schema): string {
  if (typeof schema.$ref === 'string') return schemaLink(refName(schema.$ref));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) return options.map((s) => typeOf(s as Schema)).join(' or ');
  }
  if (Array.isArray(schema.allOf)) return schema.allOf.map((s) => typeOf(s as Schema)).join(' and ');
  if (schema.type === 'array') return `array of ${typeOf((schema.items ?? {}) as Schema)}`;
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  if (typeof schema.type === 'string') return html(schema.type);
  return 'any';
}

/** The members of an object schema (or of the object items of an array), nested, as a table. */
function members(schema: Schema, depth = 0): string {
  const target = schema.type === 'array' ? ((schema.items ?? {}) as Schema) : schema;
  const properties = target.properties as Record<string, Schema> | undefined;
  const parts: string[] = [];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = target[key];
    if (Array.isArray(options) && depth < 4)
      parts.push(...options.map((s) => members(s as Schema, depth + 1)).filter(Boolean));
  }
  if (!properties || depth > 4) return parts.join('');
  const required = new Set((target.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(([name, property]) => {
    const facts = [...(property.description ? [prose(property.description)] : []), ...constraints(property)];
    return [
      '<tr>',
      `<td><code>${html(name)}</code>${required.has(name) ? '' : ' <span class="optional">optional</span>'}</td>`,
      `<td>${typeOf(property)}</td>`,
      `<td>${facts.join('; ')}${members(property, depth + 1)}</td>`,
      '</tr>',
    ].join('');
  });
  const extra = target.additionalProperties === false ? '<p class="note">No other members.</p>' : '';
  parts.push(
    `<table class="members"><thead><tr><th>member</th><th>type</th><th>what</th></tr></thead><tbody>${rows.join('')}</tbody></table>${extra}`,
  );
  return parts.join('');
}

/** A schema's type line and its members; a named schema's members are shown where it is used, too. */
function schemaBlock(schema: Schema, named: Record<string, Schema> = {}): string {
  const facts = constraints(schema);
  const target = typeof schema.$ref === 'string' ? named[refName(schema.$ref)] : schema;
  return [
    `<p class="type">${typeOf(schema)}${facts.length ? ` — ${facts.join('; ')}` : ''}</p>`,
    target ? members(target) : '',
  ].join('');
}

const example = (value: unknown) =>
  value === undefined
    ? ''
    : `<details><summary>Example</summary><pre>${html(JSON.stringify(value, null, 2))}</pre></details>`;

function operationSection(
  pathName: string,
  method: string,
  op: JsonObject,
  named: Record<string, Schema>,
): string {
  const id = String(op.operationId);
  const secured = Array.isArray(op.security) && op.security.length > 0;
  const parameters = (op.parameters as JsonObject[] | undefined) ?? [];
  const request = (op.requestBody as { content: Record<string, JsonObject> } | undefined)?.content;
  const responses = op.responses as Record<string, JsonObject>;
  const out = [
    `<section class="operation" id="${anchor('op', id)}">`,
    `<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${html(pathName)}</code></h3>`,
    `<p>${prose(op.summary)}</p>`,
    `<p class="auth">${secured ? 'Needs <code>Authorization: Bearer &lt;accessToken&gt;</code>.' : 'Public: no token.'} Operation <code>${html(id)}</code>.</p>`,
  ];
  if (parameters.length) {
    out.push(
      '<h4>Parameters</h4><table class="members"><thead><tr><th>name</th><th>in</th><th>type</th><th>what</th></tr></thead><tbody>',
      ...parameters.map((p) => {
        const schema = p.schema as Schema;
        const facts = [...(p.description ? [prose(p.description)] : []), ...constraints(schema)];
        return `<tr><td><code>${html(p.name)}</code>${p.required ? '' : ' <span class="optional">optional</span>'}</td><td>${html(p.in)}</td><td>${typeOf(schema)}</td><td>${facts.join('; ')}</td></tr>`;
      }),
      '</tbody></table>',
    );
  }
  if (request) {
    for (const [mediaType, media] of Object.entries(request)) {
      out.push(
        `<h4>Request body <code>${html(mediaType)}</code></h4>`,
        schemaBlock(media.schema as Schema, named),
        example(media.example),
      );
    }
  }
  out.push('<h4>Responses</h4><dl class="responses">');
  const problems: string[] = [];
  for (const [status, response] of Object.entries(responses)) {
    const content = response.content as Record<string, JsonObject> | undefined;
    const headers = response.headers as Record<string, JsonObject> | undefined;
    const problem = content?.['application/problem+json']?.schema as Schema | undefined;
    if (problem) {
      const codes = (
        (problem.allOf as Schema[] | undefined)?.[1]?.properties as Record<string, Schema> | undefined
      )?.code?.enum as string[] | undefined;
      problems.push(
        `<tr><td class="status s${status[0]}">${html(status)}</td><td>${(codes ?? [])
          .map((c) => `<a href="#${anchor('problem', c)}"><code>${html(c)}</code></a>`)
          .join(', ')}</td></tr>`,
      );
    }
    const others = Object.entries(content ?? {}).filter(
      ([mediaType]) => mediaType !== 'application/problem+json',
    );
    if (problem && others.length === 0) continue;
    out.push(`<dt class="status s${status[0]}">${html(status)}</dt><dd>`);
    out.push(`<p>${prose(response.description)}</p>`);
    if (headers)
      out.push(
        `<p class="headers">Headers: ${Object.entries(headers)
          .map(([name, h]) => `<code>${html(name)}</code> (${prose(h.description)})`)
          .join(', ')}</p>`,
      );
    for (const [mediaType, media] of others) {
      out.push(`<p class="media"><code>${html(mediaType)}</code></p>`);
      if (mediaType.endsWith('json'))
        out.push(schemaBlock(media.schema as Schema, named), example(media.example));
    }
    out.push('</dd>');
  }
  out.push('</dl>');
  if (problems.length)
    out.push(
      `<h4>Problems</h4><p class="note">A ${schemaLink('Problem')} (<code>application/problem+json</code>) with one of these codes; 429 and 503 may carry <code>Retry-After</code>.</p>`,
      `<table class="members problems"><thead><tr><th>status</th><th>code</th></tr></thead><tbody>${problems.join('')}</tbody></table>`,
    );
  out.push('</section>');
  return out.join('\n');
}

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Hiragino Sans", "Noto Sans JP", sans-serif; margin: 0; color: #1b1f23; }
main { max-width: 70rem; margin: 0 auto; padding: 1rem 2rem 4rem; }
nav { background: #f6f8fa; padding: 1rem 2rem; border-bottom: 1px solid #d0d7de; }
nav > ul { columns: 2; margin: 0.5rem 0; } nav ul ul { margin: 0; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #d0d7de; margin-top: 3rem; }
section.operation, section.schema { border: 1px solid #d0d7de; border-radius: 6px; padding: 0 1rem 1rem; margin: 1.5rem 0; }
.method { display: inline-block; min-width: 4.5rem; text-align: center; border-radius: 4px; color: #fff; font-size: 0.85em; padding: 0.1rem 0.4rem; }
.get { background: #1f6feb; } .post { background: #1a7f37; } .put { background: #9a6700; } .delete { background: #cf222e; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; font-size: 0.93em; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; background: #f6f8fa; padding: 0 0.2rem; border-radius: 3px; word-break: break-all; }
pre { background: #f6f8fa; padding: 0.75rem; overflow-x: auto; font-size: 0.85em; }
.optional { color: #57606a; font-size: 0.85em; } .note, .auth, .headers { color: #57606a; }
dl.responses dt, td.status { font-weight: bold; } dl.responses dt { margin-top: 0.75rem; }
table.problems td:first-child { width: 4rem; }
.s2, .s3 { color: #1a7f37; } .s4 { color: #9a6700; } .s5 { color: #cf222e; }
`;

/** The page. Deterministic for a given document, so that the checked-in copy can be compared. */
export function referencePage(document: JsonObject): string {
  const info = document.info as JsonObject;
  const paths = document.paths as Record<string, Record<string, JsonObject>>;
  const schemas = (document.components as { schemas: Record<string, Schema> }).schemas;
  const tags = (document.tags as { name: string; description: string }[]) ?? [];
  const problems = document['x-problem-codes'] as Record<string, { status: number; title: string }>;
  const operations = Object.entries(paths).flatMap(([pathName, item]) =>
    Object.entries(item).map(([method, op]) => ({ pathName, method, op })),
  );
  const byTag = (tag: string) => operations.filter(({ op }) => (op.tags as string[])[0] === tag);

  const nav = [
    '<nav><strong>Contents</strong><ul>',
    ...tags.map(
      (tag) =>
        `<li><a href="#${anchor('tag', tag.name)}">${html(tag.description)}</a><ul>${byTag(tag.name)
          .map(
            ({ pathName, method, op }) =>
              `<li><a href="#${anchor('op', String(op.operationId))}">${method.toUpperCase()} ${html(pathName)}</a></li>`,
          )
          .join('')}</ul></li>`,
    ),
    '<li><a href="#schemas">Schemas</a></li><li><a href="#problems">Problem codes</a></li>',
    '</ul></nav>',
  ];
  const body = [
    `<h1>${html(info.title)} <small>${html(info.version)}</small></h1>`,
    `<p>${prose(info.description)}</p>`,
    '<p class="note">Rendered from <a href="openapi.json">openapi.json</a> (OpenAPI 3.1) by <code>npm run openapi</code>; do not edit by hand.</p>',
    ...tags.flatMap((tag) => [
      `<h2 id="${anchor('tag', tag.name)}">${html(tag.description)}</h2>`,
      ...byTag(tag.name).map(({ pathName, method, op }) => operationSection(pathName, method, op, schemas)),
    ]),
    '<h2 id="schemas">Schemas</h2>',
    ...Object.entries(schemas).map(([name, schema]) =>
      [
        `<section class="schema" id="${anchor('schema', name)}"><h3>${html(name)}</h3>`,
        schema.description ? `<p>${prose(schema.description)}</p>` : '',
        schemaBlock(schema),
        ...((schema.examples as unknown[] | undefined) ?? []).map(example),
        '</section>',
      ].join('\n'),
    ),
    '<h2 id="problems">Problem codes</h2>',
    '<p>Every error is a problem document (RFC 9457, <code>application/problem+json</code>). Branch on <code>code</code>; <code>title</code> and <code>detail</code> are for people (Japanese with <code>Accept-Language: ja</code>).</p>',
    '<table class="members"><thead><tr><th>code</th><th>status</th><th>title</th></tr></thead><tbody>',
    ...Object.entries(problems).map(
      ([code, { status, title }]) =>
        `<tr id="${anchor('problem', code)}"><td><code>${html(code)}</code></td><td>${status}</td><td>${html(title)}</td></tr>`,
    ),
    '</tbody></table>',
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${html(info.title)} ${html(info.version)} reference</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...nav,
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
