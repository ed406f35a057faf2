// The colour model as a WebGL2 fragment shader (tryon.engine.render.apply_shade): per lip pixel, CIE Lab; the shade
// sets a*/b* and the mean lightness in the scene's light, the lips' own lightness detail is kept per finish; gloss
// highlights, metallic sheen, shimmer flecks, ombre and liner; blended by alpha x opacity x intensity. It runs over
// one face's lip box only, on a canvas of that size: painted pixels come out opaque, the rest fully transparent, so
// the box is laid over the camera frame with drawImage. (A full-frame WebGL view cost ~45 ms a frame in
// SwiftShader for its copies and compositing; the box is ~10,000 pixels.) Constants come from constants.json
// (generated from the Python engine), written into the shader's source as GLSL constants.
import { GLSL_LAB, hexToLab } from "./colour.js";

const VERTEX = `#version 300 es
void main() { vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2)); gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0); }`;

const glslFloat = x => { const s = String(Number(x)); return /[.e]/.test(s) ? s : `${s}.0`; };

function fragmentSource(C) {
  const R = C.render;
  return `#version 300 es
precision highp float;
precision highp int;
precision highp sampler2D;
${GLSL_LAB}
const float MIN_ALPHA = ${glslFloat(R.min_alpha)};
const float MAX_BRIGHTENING_L = ${glslFloat(R.max_brightening_l)};
const float HIGHLIGHT_START_L = ${glslFloat(R.highlight_start_l)}, HIGHLIGHT_RANGE_L = ${glslFloat(R.highlight_range_l)};
const float GLOSS_SHARPNESS = ${glslFloat(R.gloss_sharpness)}, GLOSS_MAX_WHITENING = ${glslFloat(R.gloss_max_whitening)};
const vec2 SHEEN_LIT_L = vec2(${glslFloat(R.sheen_lit_l[0])}, ${glslFloat(R.sheen_lit_l[1])});
const float FLECK_LIGHT_BASE = ${glslFloat(R.fleck_light_base)}, FLECK_LIGHT_RANGE_L = ${glslFloat(R.fleck_light_range_l)};
const vec2 FLECK_LIGHT_LIMITS = vec2(${glslFloat(R.fleck_light_limits[0])}, ${glslFloat(R.fleck_light_limits[1])});
const float FLECK_LIFT_L = ${glslFloat(R.fleck_lift_l)}, FLECK_LIGHTNESS_SHARE = ${glslFloat(R.fleck_lightness_share)};
const float FLECK_TINT_SHARE = ${glslFloat(R.fleck_tint_share)}, LINER_DETAIL_KEPT = ${glslFloat(R.liner_detail_kept)};

uniform sampler2D u_frame;      // the lip box's camera pixels, row 0 at the top
uniform sampler2D u_aux;        // lip box: alpha, local mean L*, sparkle, liner weight
uniform sampler2D u_aux2;       // lip box: ombre outer share
uniform int u_height;           // lip box height
uniform vec3 u_target, u_inner, u_tint, u_liner;   // Lab: shade, ombre inner colour, shimmer, liner
uniform bool u_ombre, u_liner_on, u_gloss_on, u_sheen_on, u_sparkle_on;
uniform float u_gloss, u_weight, u_mean_l, u_light;
uniform float u_kept_bright, u_kept_dark, u_cov_l, u_cov_c, u_gain_l, u_whitening, u_contrast, u_sheen_gain, u_sheen_chroma;
out vec4 colour;

void main() {
  ivec2 at = ivec2(int(gl_FragCoord.x), u_height - 1 - int(gl_FragCoord.y));
  vec3 rgb = texelFetch(u_frame, at, 0).rgb;
  vec4 aux = texelFetch(u_aux, at, 0);
  float alpha = aux.r;
  if (alpha < MIN_ALPHA) discard;
  float core = clamp(alpha * 2.0 - 1.0, 0.0, 1.0), localMean = aux.g;
  vec3 lab = rgbToLab(rgb);
  vec3 target = u_ombre ? u_inner + (u_target - u_inner) * texelFetch(u_aux2, at, 0).r : u_target;
  // The shade in the scene's light, with the lips' own detail.
  float baseL = min(target.x * u_light, target.x + MAX_BRIGHTENING_L);
  float detail = lab.x - u_mean_l;
  float newL = u_cov_l < 1.0 ? lab.x + (baseL - u_mean_l) * u_cov_l
                             : baseL + detail * (detail > 0.0 ? u_kept_bright : u_kept_dark);
  vec2 ab = u_cov_c < 1.0 ? lab.yz + (target.yz - lab.yz) * u_cov_c : target.yz;
  float highlight = clamp((lab.x - localMean - HIGHLIGHT_START_L) / HIGHLIGHT_RANGE_L, 0.0, 1.0) * core;
  if (u_gloss_on) {  // specular highlights on the lips' own bright areas, whiter than the shade
    float strength = pow(highlight, GLOSS_SHARPNESS) * u_gloss;
    newL += strength * u_gain_l * u_light;
    ab *= 1.0 - clamp(strength * u_whitening, 0.0, GLOSS_MAX_WHITENING);
  }
  if (u_sheen_on) {  // metals: deeper shading and a broad sheen in the shade's own colour over the lit lips
    float shading = localMean - u_mean_l;
    newL += shading * u_contrast;
    float sheen = smoothstep(SHEEN_LIT_L.x, SHEEN_LIT_L.y, shading) * core;
    newL += sheen * u_sheen_gain * u_light;
    ab *= 1.0 + (u_sheen_chroma - 1.0) * sheen;
  }
  if (u_sparkle_on) {  // flecks fixed on the lips, lit like the lips, in the shimmer colour
    float fleck = aux.b * core * clamp(FLECK_LIGHT_BASE + (localMean - u_mean_l) / FLECK_LIGHT_RANGE_L + highlight,
                                       FLECK_LIGHT_LIMITS.x, FLECK_LIGHT_LIMITS.y);
    newL += fleck * max(u_tint.x * u_light + FLECK_LIFT_L - newL, 0.0) * FLECK_LIGHTNESS_SHARE;
    ab += (u_tint.yz - ab) * fleck * FLECK_TINT_SHARE;
  }
  if (u_liner_on) {  // a matte pencil line along the outer edge, lit like the lips
    float linerL = min(u_liner.x * u_light, u_liner.x + MAX_BRIGHTENING_L) + detail * LINER_DETAIL_KEPT;
    newL += (linerL - newL) * aux.a;
    ab += (u_liner.yz - ab) * aux.a;
  }
  vec3 painted = vec3(clamp(newL, 0.0, 100.0), ab);
  colour = vec4(labToRgb(lab + (painted - lab) * alpha * u_weight), 1.0);
}`;
}

export class RenderError extends Error {}

export class LipstickRenderer {
  /** A WebGL2 canvas of its own (lip-box size); throws RenderError("no-webgl2") where WebGL2 is missing. */
  constructor(constants) {
    const canvas = document.createElement("canvas");
    const gl = canvas.getContext("webgl2", { antialias: false, alpha: true, premultipliedAlpha: true, preserveDrawingBuffer: false });
    if (!gl) throw new RenderError("no-webgl2");
    this.gl = gl; this.canvas = canvas; this.C = constants;
    const shader = (type, source) => {
      const s = gl.createShader(type);
      gl.shaderSource(s, source); gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new RenderError(`shader: ${gl.getShaderInfoLog(s)}`);
      return s;
    };
    const program = gl.createProgram();
    gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, fragmentSource(constants)));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new RenderError(`program: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    this.vao = gl.createVertexArray();
    this.textures = [0, 1, 2].map(() => {
      const t = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, t);
      for (const [k, v] of [[gl.TEXTURE_MIN_FILTER, gl.NEAREST], [gl.TEXTURE_MAG_FILTER, gl.NEAREST],
        [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) gl.texParameteri(gl.TEXTURE_2D, k, v);
      return t;
    });
    this.uniforms = {};
    const count = gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS);
    for (let i = 0; i < count; i++) { const name = gl.getActiveUniform(program, i).name; this.uniforms[name] = gl.getUniformLocation(program, name); }
  }

  /** One face's lips (a `lipPaint` result) painted with `shade` at `intensity` (0-1): this renderer's canvas, the
   * lip box's size, painted pixels opaque and the rest transparent — to be drawn over the frame at paint.roi. */
  paint(paint, shade, intensity) {
    const gl = this.gl, u = this.uniforms, width = paint.width, height = paint.height;
    if (this.canvas.width !== width || this.canvas.height !== height) { this.canvas.width = width; this.canvas.height = height; }
    gl.viewport(0, 0, width, height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    const finish = this.C.finishes[shade.finish];
    gl.uniform1i(u.u_frame, 0); gl.uniform1i(u.u_aux, 1); gl.uniform1i(u.u_aux2, 2);
    gl.uniform1i(u.u_height, height);
    gl.uniform3fv(u.u_target, hexToLab(shade.color));
    gl.uniform3fv(u.u_inner, hexToLab(shade.ombre ? shade.ombre.inner_color : shade.color));
    gl.uniform3fv(u.u_tint, hexToLab(shade.shimmer_color));
    gl.uniform3fv(u.u_liner, hexToLab(shade.liner ? shade.liner.color : shade.color));
    gl.uniform1i(u.u_ombre, shade.ombre ? 1 : 0);
    gl.uniform1i(u.u_liner_on, shade.liner ? 1 : 0);
    gl.uniform1i(u.u_gloss_on, shade.gloss > 0 ? 1 : 0);
    gl.uniform1i(u.u_sheen_on, finish.sheen_gain_l > 0 || finish.metallic_contrast > 0 ? 1 : 0);
    gl.uniform1i(u.u_sparkle_on, finish.sparkles && shade.shimmer_density > 0 ? 1 : 0);
    gl.uniform1f(u.u_gloss, shade.gloss);
    gl.uniform1f(u.u_weight, shade.opacity * intensity);
    gl.uniform1f(u.u_kept_bright, finish.detail_kept_bright); gl.uniform1f(u.u_kept_dark, finish.detail_kept_dark);
    gl.uniform1f(u.u_cov_l, finish.coverage_lightness); gl.uniform1f(u.u_cov_c, finish.coverage_chroma);
    gl.uniform1f(u.u_gain_l, finish.highlight_gain_l); gl.uniform1f(u.u_whitening, finish.highlight_whitening);
    gl.uniform1f(u.u_contrast, finish.metallic_contrast); gl.uniform1f(u.u_sheen_gain, finish.sheen_gain_l);
    gl.uniform1f(u.u_sheen_chroma, finish.sheen_chroma_gain);
    gl.uniform1f(u.u_mean_l, paint.meanL); gl.uniform1f(u.u_light, paint.light);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.textures[0]);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(paint.rgba.buffer));
    for (const [unit, data] of [[1, paint.aux], [2, paint.aux2]]) {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, this.textures[unit]);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, width, height, 0, gl.RGBA, gl.FLOAT, data);
    }
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    return this.canvas;
  }
}
