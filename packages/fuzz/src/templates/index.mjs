// One template file per module specifier. A new export subpath adds a line here.
// An `/experiments` subpath shares its package's main template file: templates are matched by
// export name, and a template is stale only when no entry of its package exports that name.
export const templateModules = {
  '@x/gpu': () => import('./gpu.mjs'),
  '@x/gpu/checks': () => import('./gpu-checks.mjs'),
  '@x/graph-init': () => import('./graph-init.mjs'),
  '@x/inr': () => import('./inr.mjs'),
  '@x/linalg': () => import('./linalg.mjs'),
  '@x/nn': () => import('./nn.mjs'),
  '@x/optim': () => import('./optim.mjs'),
  '@x/peft': () => import('./peft.mjs'),
  '@x/peft/node': () => import('./peft-node.mjs'),
  '@x/safetensors': () => import('./safetensors.mjs'),
  '@x/safetensors/node': () => import('./safetensors-node.mjs'),
  '@x/ssm': () => import('./ssm.mjs'),
  '@x/streaming': () => import('./streaming.mjs'),
};
for (const pkg of ['gpu', 'graph-init', 'inr', 'linalg', 'nn', 'optim', 'peft', 'ssm', 'streaming']) {
  templateModules[`@x/${pkg}/experiments`] = templateModules[`@x/${pkg}`];
}
