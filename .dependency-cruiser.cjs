/**
 * The dependency rule of ARCHITECTURE.md, checked by `npm test` (`npm run deps`):
 *
 *   assembly      src/*.ts, src/cli/               may import anything below
 *   exporters     exporters/*.ts (registry, export stage, links)  → destinations, routing, delivery, codec, base
 *   destinations  exporters/<name>/ and exporters/routing/        → delivery, codec, base; never each other
 *   delivery      exporters/delivery/                              → codec, base
 *   codec         exporters/codec/ (the OTLP format of queue, spool, dead-letter) → base
 *   stages        processors/<stage>/                              → base; never each other, never exporters
 *   integrations  src/integrations/                                → base
 *   base          src/core/                                        → nothing of ours outside src/core
 *
 * Type-only imports count: a layer that needs a type from above is a layer in the wrong place.
 */
const DESTINATIONS = '^exporters/((?!delivery/|codec/)[^/]+)/';
module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', comment: 'No file-level import cycle.', from: {}, to: { circular: true } },
    {
      name: 'base-imports-only-base',
      severity: 'error',
      comment: 'src/core is the base: the record model, stage contract, stats, errors, env reader, ids, execution context, vocabulary.',
      from: { path: '^src/core/' },
      to: { path: '^(src|processors|exporters|examples)/', pathNot: '^src/core/' },
    },
    {
      name: 'integrations-import-only-base',
      severity: 'error',
      from: { path: '^src/integrations/' },
      to: { path: '^(src|processors|exporters|examples)/', pathNot: '^src/(core|integrations)/' },
    },
    {
      name: 'stages-import-only-base',
      severity: 'error',
      comment: 'A stage imports the base and its own folder, never another stage or the exporters.',
      from: { path: '^processors/([^/]+)/' },
      to: { path: '^(src|processors|exporters|examples)/', pathNot: ['^src/core/', '^processors/$1/'] },
    },
    {
      name: 'codec-imports-only-base',
      severity: 'error',
      from: { path: '^exporters/codec/' },
      to: { path: '^(src|processors|exporters|examples)/', pathNot: ['^src/core/', '^exporters/codec/'] },
    },
    {
      name: 'delivery-imports-codec-and-base',
      severity: 'error',
      from: { path: '^exporters/delivery/' },
      to: { path: '^(src|processors|exporters|examples)/', pathNot: ['^src/core/', '^exporters/(codec|delivery)/'] },
    },
    {
      name: 'destinations-import-delivery-codec-base',
      severity: 'error',
      comment: 'A destination (or routing) imports the delivery core, the codec and the base, never another destination.',
      from: { path: `${DESTINATIONS}` },
      to: { path: '^(src|processors|exporters|examples)/', pathNot: ['^src/core/', '^exporters/(codec|delivery)/', '^exporters/$1/'] },
    },
    {
      name: 'exporters-never-import-stages-or-assembly',
      severity: 'error',
      from: { path: '^exporters/' },
      to: { path: '^(processors|examples)/|^src/(?!core/)' },
    },
    {
      name: 'nothing-imports-examples',
      severity: 'error',
      from: { path: '^(src|processors|exporters)/' },
      to: { path: '^examples/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
