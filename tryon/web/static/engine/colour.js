// sRGB <-> CIE Lab (D65) as OpenCV converts float images (the Python engine's tryon.colour), and the same maths
// as GLSL for the shader. Lab: L* 0-100, a*/b* roughly -128..127.
const WHITE_X = 0.950456, WHITE_Z = 1.088754;
const THRESHOLD = 0.008856;

function toLinear(v) { return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
function f(t) { return t > THRESHOLD ? Math.cbrt(t) : 7.787 * t + 16 / 116; }

/** sRGB 0-255 → [L, a, b]. */
export function rgbToLab(r, g, b) {
  const R = toLinear(r / 255), G = toLinear(g / 255), B = toLinear(b / 255);
  const x = (0.412453 * R + 0.35758 * G + 0.180423 * B) / WHITE_X;
  const y = 0.212671 * R + 0.71516 * G + 0.072169 * B;
  const z = (0.019334 * R + 0.119193 * G + 0.950227 * B) / WHITE_Z;
  const fy = f(y);
  const L = y > THRESHOLD ? 116 * fy - 16 : 903.3 * y;
  return [L, 500 * (f(x) - fy), 200 * (fy - f(z))];
}

/** "#RRGGBB" → [L, a, b]. */
export function hexToLab(hex) {
  const n = parseInt(hex.slice(1), 16);
  return rgbToLab((n >> 16) & 255, (n >> 8) & 255, n & 255);
}

/** The ROI's pixels (RGBA bytes of an ImageData) → L*, a*, b* planes (Float32Array each). */
export function imageLab(rgba, count) {
  const L = new Float32Array(count), A = new Float32Array(count), B = new Float32Array(count);
  const cache = new Map();  // lips hold few distinct colours: ~3x faster than converting every pixel
  for (let i = 0; i < count; i++) {
    const key = (rgba[4 * i] << 16) | (rgba[4 * i + 1] << 8) | rgba[4 * i + 2];
    let lab = cache.get(key);
    if (lab === undefined) { lab = rgbToLab(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]); cache.set(key, lab); }
    L[i] = lab[0]; A[i] = lab[1]; B[i] = lab[2];
  }
  return { L, A, B };
}

export const GLSL_LAB = `
const float WHITE_X = 0.950456, WHITE_Z = 1.088754, THRESHOLD = 0.008856;
float toLinear(float v) { return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4); }
float toEncoded(float v) { return v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1.0 / 2.4) - 0.055; }
float labF(float t) { return t > THRESHOLD ? pow(t, 1.0 / 3.0) : 7.787 * t + 16.0 / 116.0; }
vec3 rgbToLab(vec3 rgb) {
  vec3 c = vec3(toLinear(rgb.r), toLinear(rgb.g), toLinear(rgb.b));
  float x = dot(vec3(0.412453, 0.35758, 0.180423), c) / WHITE_X;
  float y = dot(vec3(0.212671, 0.71516, 0.072169), c);
  float z = dot(vec3(0.019334, 0.119193, 0.950227), c) / WHITE_Z;
  float fy = labF(y);
  float L = y > THRESHOLD ? 116.0 * fy - 16.0 : 903.3 * y;
  return vec3(L, 500.0 * (labF(x) - fy), 200.0 * (fy - labF(z)));
}
vec3 labToRgb(vec3 lab) {
  float fy, y;
  if (lab.x <= 8.0) { y = lab.x / 903.3; fy = 7.787 * y + 16.0 / 116.0; }
  else { fy = (lab.x + 16.0) / 116.0; y = fy * fy * fy; }
  float fx = fy + lab.y / 500.0, fz = fy - lab.z / 200.0;
  const float FT = 0.206893;
  float x = fx > FT ? fx * fx * fx : (fx - 16.0 / 116.0) / 7.787;
  float z = fz > FT ? fz * fz * fz : (fz - 16.0 / 116.0) / 7.787;
  x *= WHITE_X; z *= WHITE_Z;
  vec3 c = vec3(3.240479 * x - 1.53715 * y - 0.498535 * z,
                -0.969256 * x + 1.875991 * y + 0.041556 * z,
                0.055648 * x - 0.204043 * y + 1.057311 * z);
  c = clamp(c, 0.0, 1.0);
  return vec3(toEncoded(c.r), toEncoded(c.g), toEncoded(c.b));
}
`;
