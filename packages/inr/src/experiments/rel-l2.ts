/** Relative L2 error ‖p − t‖ / ‖t‖ of a prediction against the truth (the experiments' accuracy measure). */
export function relL2(p: ArrayLike<number>, t: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < t.length; i++) {
    num += (p[i]! - t[i]!) ** 2;
    den += t[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
