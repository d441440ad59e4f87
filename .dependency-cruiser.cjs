/**
 * The dependency rule of ARCHITECTURE.md, checked by `npm test` (`npm run deps`). Each layer names the
 * folders it may import besides its own folder and npm packages; type-only imports count, and no
 * file-level import cycle is allowed. `$1` is the layer's own folder (a destination, a stage).
 */
const OURS = '^(src|processors|exporters|examples)/';
const LAYERS = [
  { name: 'base', from: '^src/core/', may: ['^src/core/'] },
  { name: 'integrations', from: '^src/integrations/', may: ['^src/(core|integrations)/'] },
  { name: 'stages', from: '^processors/([^/]+)/', may: ['^src/core/', '^processors/$1/'] },
  { name: 'codec', from: '^exporters/codec/', may: ['^src/core/', '^exporters/codec/'] },
  { name: 'delivery', from: '^exporters/delivery/', may: ['^src/core/', '^exporters/(codec|delivery)/'] },
  // A destination (or routing) never imports another destination.
  { name: 'destinations', from: '^exporters/((?!delivery/|codec/)[^/]+)/', may: ['^src/core/', '^exporters/(codec|delivery)/', '^exporters/$1/'] },
  // The exporters' own assembly (registry, export stage, links) sits below the pipeline's.
  { name: 'exporters', from: '^exporters/[^/]+$', may: ['^src/core/', '^exporters/'] },
];

module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', from: {}, to: { circular: true } },
    ...LAYERS.map(({ name, from, may }) => ({ name: `${name}-layer`, severity: 'error', from: { path: from }, to: { path: OURS, pathNot: may } })),
    { name: 'nothing-imports-examples', severity: 'error', from: { path: '^(src|processors|exporters)/' }, to: { path: '^examples/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
