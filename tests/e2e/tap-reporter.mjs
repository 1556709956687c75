// tap-reporter.mjs — node's test runner as flat TAP that TAP::Parser (prove)
// reads: one "ok"/"not ok" line per test, named with its suites
// ("role ceo > signs_out"), the failure as "#" comments, the plan at the
// end.  Node's own TAP reporter nests subtests by indentation and writes
// YAML blocks that TAP::Parser does not read.  A suite gets a line of its
// own only when it fails by itself (a hook), not when its tests failed.
const comment = (text) => String(text).split('\n').map((l) => `# ${l}`.trimEnd()).join('\n') + '\n';

export default async function* flatTap(source) {
  let n = 0;
  const suites = [];   // names of the open suites, by nesting level
  for await (const { type, data } of source) {
    if (type === 'test:start') {
      suites[data.nesting] = data.name;
      suites.length = data.nesting + 1;
    } else if (type === 'test:pass' || type === 'test:fail') {
      const suite = data.details?.type === 'suite';
      const err = data.details?.error;
      if (suite && (type === 'test:pass' || err?.failureType === 'subtestsFailed')) continue;
      const name = [...suites.slice(0, data.nesting), data.name].join(' > ').replace(/#/g, '\\#');
      let directive = '';
      if (data.skip !== undefined && data.skip !== false) directive = ` # SKIP ${data.skip === true ? '' : data.skip}`.trimEnd();
      else if (data.todo !== undefined && data.todo !== false) directive = ` # TODO ${data.todo === true ? '' : data.todo}`.trimEnd();
      n += 1;
      yield `${type === 'test:pass' ? 'ok' : 'not ok'} ${n} - ${name}${suite ? ' (suite)' : ''}${directive}\n`;
      if (type === 'test:fail' && err) {
        const cause = err.cause ?? err;
        yield comment(`${err.failureType ?? 'failure'}: ${cause?.stack ?? cause?.message ?? cause}`);
      }
    } else if (type === 'test:diagnostic') {
      yield comment(data.message);
    } else if (type === 'test:stdout' || type === 'test:stderr') {
      yield comment(data.message.replace(/\n$/, ''));
    }
  }
  yield `1..${n}\n`;
}
