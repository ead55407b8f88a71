import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '@x/safetensors/node';
import { describe, expect, it } from 'vitest';
import { loadPeftAdapterDir } from '../src/node';
import { bf16HalfUlp, expected, MODEL, MODEL_DIR, product } from './model-fixtures';
import { maxAbsDiff } from '@x/test-utils';

// The built bin (turbo runs `build` before `test`), run as a user would.
const CLI = join(__dirname, '..', 'dist', 'cli.js');

function xpeft(...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build @x/peft first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'x-peft-'));

describe('x-peft end to end on a BF16 llama-shaped model', () => {
  it('inspect --json lists every tensor; --spectrum gives numpy singular values', () => {
    const r = xpeft('inspect', MODEL, '--json', '--spectrum', '--top', '16');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.metadata).toEqual({ format: 'pt' });
    expect(out.tensors).toHaveLength(21);
    const q = out.tensors.find((t: { name: string }) => t.name === 'model.layers.1.self_attn.q_proj.weight');
    expect(q).toMatchObject({ dtype: 'BF16', shape: [16, 16], bytes: 512 });
    for (const [name, S] of Object.entries(expected.spectrum)) {
      const t = out.tensors.find((x: { name: string }) => x.name === name);
      expect(maxAbsDiff(t.spectrum.top, S.slice(0, 16))).toBeLessThan(1e-12);
      expect(t.spectrum.effectiveRank).toBeGreaterThan(1);
    }
    expect(out.tensors.find((t: { name: string }) => t.name === 'model.norm.weight').spectrum).toBeUndefined();
    const text = xpeft('inspect', MODEL);
    expect(text.stdout).toMatch(/^name +dtype +shape +bytes\n/);
    expect(text.stdout).toContain('21 tensors');
  });

  it('pissa writes a PEFT directory: names, shapes, F32, config; s·B·A = top-r SVD part; residual + s·B·A = W to bf16 rounding', async () => {
    const dir = join(tmp(), 'pissa');
    const { r: rank, alpha } = expected.pissa_args;
    const r = xpeft('pissa', '--model', MODEL, '--target', 'q_proj,v_proj', '--rank', String(rank), '--alpha', String(alpha), '--out', dir, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('[4/4] pissa model.layers.1.self_attn.v_proj');
    expect(readdirSync(dir).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'residual_model.safetensors']);
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, init_lora_weights: 'pissa', target_modules: ['q_proj', 'v_proj'], use_rslora: false });
    const w = await readSafetensors(join(dir, 'adapter_model.safetensors'));
    expect(w.metadata).toEqual({ format: 'pt' });
    expect(w.info('base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight')).toMatchObject({ dtype: 'F32', shape: [4, 16] });
    expect(w.info('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')).toMatchObject({ dtype: 'F32', shape: [8, 4] });
    await w.close();
    const adapter = await loadPeftAdapterDir(dir);
    const res = await readSafetensors(join(dir, 'residual_model.safetensors'));
    const base = await readSafetensors(MODEL);
    for (const l of adapter.layers) {
      const e = expected.pissa[l.module]!;
      const sBA = product(l.B, l.A).map((v) => v * l.scale);
      expect(maxAbsDiff(sBA, e.topr)).toBeLessThan(1e-4); // F32 factors of a float64 SVD
      const R = (await res.float64(`${l.module}.weight`)).data;
      for (let i = 0; i < R.length; i++) expect(Math.abs(R[i]! + sBA[i]! - e.W[i]!)).toBeLessThanOrEqual(bf16HalfUlp(e.W[i]! - sBA[i]!) + 1e-6);
    }
    for (const name of base.names) {
      if (/self_attn\.[qv]_proj/.test(name)) continue;
      expect(Buffer.from(await res.bytes(name)).equals(Buffer.from(await base.bytes(name))), name).toBe(true);
    }
    await res.close();
    await base.close();
    const summary = JSON.parse(r.stdout);
    expect(summary.modules).toHaveLength(4);
    expect(summary.modules[0]).toMatchObject({ module: 'model.layers.0.self_attn.q_proj', r: 4, in: 16, out: 16, scaling: 2 });
  });

  it('pissa --niter writes pissa_niter_K', () => {
    const dir = join(tmp(), 'fast');
    const r = xpeft('pissa', '--model', MODEL, '--target-regex', '.*\\.self_attn\\.o_proj', '--rank', '2', '--niter', '4', '--out', dir, '--json', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')).init_lora_weights).toBe('pissa_niter_4');
  });

  it('merge-into-base gives W + scaling·B·A in BF16, other tensors byte-identical', async () => {
    const out = join(tmp(), 'merged.safetensors');
    const r = xpeft('merge-into-base', '--model', MODEL, '--adapter', join(MODEL_DIR, 'adapter_a'), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const m = await readSafetensors(out);
    const base = await readSafetensors(MODEL);
    for (const name of base.names) {
      const module = name.replace(/\.weight$/, '');
      const want = expected.merged_a[module];
      if (!want) {
        expect(Buffer.from(await m.bytes(name)).equals(Buffer.from(await base.bytes(name)))).toBe(true);
        continue;
      }
      expect(m.info(name).dtype).toBe('BF16');
      const got = (await m.float64(name)).data;
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(bf16HalfUlp(want[i]!) * 1.0001);
    }
  });

  it('convert-pissa and merge write adapters PEFT loads, matching numpy', async () => {
    const conv = join(tmp(), 'lora');
    expect(xpeft('convert-pissa', '--initial', join(MODEL_DIR, 'pissa_initial'), '--trained', join(MODEL_DIR, 'pissa_trained'), '--out', conv).code).toBe(0);
    const c = await loadPeftAdapterDir(conv);
    expect(c.config).toMatchObject({ r: 4, lora_alpha: 8, init_lora_weights: true });
    for (const l of c.layers) expect(maxAbsDiff(product(l.B, l.A).map((v) => v * l.scale), expected.convert[l.module]!.delta)).toBeLessThan(1e-6);

    const merged = join(tmp(), 'merged');
    const w = expected.merge.weights.join(',');
    const r = xpeft('merge', '--method', 'ties', '--weights', w, '--density', '0.5', join(MODEL_DIR, 'adapter_a'), join(MODEL_DIR, 'adapter_b'), '--out', merged, '--json');
    expect(r.code, r.stderr).toBe(0);
    const t = await loadPeftAdapterDir(merged);
    for (const l of t.layers) expect(maxAbsDiff(l.A.data, expected.merge.ties[l.module]!.A)).toBeLessThan(1e-6); // F32 on disk
    const svd = join(tmp(), 'svd');
    expect(xpeft('merge', '--method', 'svd', '--weights', w, join(MODEL_DIR, 'adapter_a'), join(MODEL_DIR, 'adapter_b'), '--out', svd).code).toBe(0);
    for (const l of (await loadPeftAdapterDir(svd)).layers) expect(maxAbsDiff(product(l.B, l.A), expected.merge.svd_product[l.module]!)).toBeLessThan(1e-5);
  });

  it('eva initializes A with the top principal directions of each layer input (B = 0)', async () => {
    const dir = join(tmp(), 'eva');
    const r = xpeft('eva', '--model', MODEL, '--inputs', join(MODEL_DIR, 'eva_inputs.safetensors'), '--target', 'q_proj,v_proj', '--rank', '2', '--out', dir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const a = await loadPeftAdapterDir(dir);
    expect(a.config.init_lora_weights).toBe('eva');
    let total = 0;
    for (const l of a.layers) {
      total += l.A.rows;
      expect(l.B.data.every((x) => x === 0)).toBe(true);
      const V = expected.eva[l.module]!.V;
      // Each row of A lies in the span of the inputs' (centred) directions, and the first one is
      // numpy's leading direction (sign-free checks; the collector stops early, on a subset).
      const dots = (a: Float64Array, k: number) => {
        let dot = 0;
        for (let j = 0; j < 16; j++) dot += a[j]! * V[k * 16 + j]!;
        return dot;
      };
      for (let i = 0; i < l.A.rows; i++) {
        const a = l.A.data.subarray(i * 16, (i + 1) * 16);
        let proj = 0;
        for (let k = 0; k < 6; k++) proj += dots(a, k) ** 2;
        expect(proj).toBeGreaterThan(1 - 1e-6); // the inputs are F32: rank 6 only to float32 rounding
      }
      if (l.A.rows > 0) expect(Math.abs(dots(l.A.data.subarray(0, 16), 0))).toBeGreaterThan(0.99);
    }
    expect(total).toBe(8); // the budget Σ r_l is kept, however EVA redistributes it
  });

  it('refuses truncated models and out-of-range offsets with one line, a non-zero exit and no output', () => {
    const d = tmp();
    const bytes = readFileSync(MODEL);
    const truncated = join(d, 'truncated.safetensors');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    // Same tensors, the last one's offsets moved past the end of the data.
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const last = Object.entries(header).filter(([k]) => k !== '__metadata__').sort((a, b) => (b[1] as { data_offsets: number[] }).data_offsets[0]! - (a[1] as { data_offsets: number[] }).data_offsets[0]!)[0]![1] as { data_offsets: number[] };
    last.data_offsets = [last.data_offsets[0]! + 4096, last.data_offsets[1]! + 4096];
    let json = Buffer.from(JSON.stringify(header));
    json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const outOfRange = join(d, 'offsets.safetensors');
    writeFileSync(outOfRange, Buffer.concat([len, json, bytes.subarray(8 + n)]));
    const cases: [string[], RegExp][] = [
      [['pissa', '--model', truncated, '--target', 'q_proj', '--rank', '2', '--out', join(d, 'o1')], /TRUNCATED|truncated/],
      [['pissa', '--model', outOfRange, '--target', 'q_proj', '--rank', '2', '--out', join(d, 'o2')], /starts at data byte/],
      [['merge-into-base', '--model', truncated, '--adapter', join(MODEL_DIR, 'adapter_a'), '--out', join(d, 'o3.safetensors')], /truncated/],
      [['inspect', outOfRange], /starts at data byte/],
      [['pissa', '--model', MODEL, '--target', 'k_proj', '--rank', '9', '--out', join(d, 'o4')], /rank must be an integer in \[1, 8\] for a 8x16 matrix, got 9/],
    ];
    for (const [args, msg] of cases) {
      const r = xpeft(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^x-peft: error: /);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(d).sort()).toEqual(['offsets.safetensors', 'truncated.safetensors', 'o4'].sort().filter((f) => f !== 'o4' || existsSync(join(d, 'o4'))));
    if (existsSync(join(d, 'o4'))) expect(readdirSync(join(d, 'o4'))).toEqual([]);
  });

  it('a failure after part of the work (a NaN in a later layer) leaves no output file', () => {
    const d = tmp();
    // A model whose q_proj holds a NaN: PiSSA refuses it after the SVD of the layers before it.
    const bytes = Buffer.from(readFileSync(MODEL));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const off = 8 + n + header['model.layers.1.self_attn.q_proj.weight'].data_offsets[0];
    bytes.writeUInt16LE(0x7fc0, off);
    const bad = join(d, 'nan.safetensors');
    writeFileSync(bad, bytes);
    const out = join(d, 'out');
    const r = xpeft('pissa', '--model', bad, '--target', 'q_proj', '--rank', '2', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[1/2] pissa model.layers.0.self_attn.q_proj\n');
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^x-peft: error: pissaInit: .*(NaN|finite)/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('usage errors exit 2 with a hint', () => {
    for (const args of [['frobnicate'], ['pissa', '--bogus'], ['pissa', '--model', MODEL, '--target', 'q_proj', '--rank', 'two', '--out', '/tmp/x'], ['merge', '--method', 'mean', '--weights', '1', '--out', '/tmp/x', 'a']]) {
      const r = xpeft(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^x-peft: error: .*\nrun "x-peft --help" for usage\n$/);
    }
    expect(xpeft('--help').stdout).toContain('x-peft pissa --model');
  });
});
