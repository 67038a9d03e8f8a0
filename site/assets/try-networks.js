// The "Try it yourself" page's pipeline, with no drawing in it: a digit's ink made into a 28x28 MNIST
// digit, the distortions of parts 11 and 12 (helpers/robustness.py) applied to it, and both saved networks
// run on it. The networks come from the weights the site build exported (helpers/build/weights.py); the
// forward pass is written out here, in double precision, rather than taken from a library: the two
// networks need four kinds of layer, and the result is closer to Keras's than a float32 runtime's.
// Images are Float64Arrays of 28 x 28 pixels in [0, 1], white ink on black, row by row.
const TryNetworks = (() => {
  const SIZE = 28;
  const BOX = 20; // MNIST fitted each digit's ink into a 20 x 20 box ...
  const CENTRE = 14; // ... and put its centre of mass here (the test digits' mean, row and column)

  // --- the networks ----------------------------------------------------------------------------------
  function decode({ shape, float32 }) {
    const bytes = Uint8Array.from(atob(float32), (c) => c.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    const values = new Float64Array(bytes.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
    return { shape, values };
  }

  // An exported network (helpers/build/weights.py) with its weights decoded.
  function load(exported) {
    const layers = exported.layers.map((layer) =>
      layer.kernel ? { ...layer, kernel: decode(layer.kernel), bias: decode(layer.bias) } : layer,
    );
    return { input: exported.input, layers };
  }

  function activate(values, activation) {
    if (activation === "relu") return values.map((v) => (v > 0 ? v : 0));
    if (activation === "softmax") {
      const top = Math.max(...values);
      const e = values.map((v) => Math.exp(v - top));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    }
    return values; // linear
  }

  function dense({ values }, { kernel, bias, activation }) {
    const [n, m] = kernel.shape;
    const out = Float64Array.from(bias.values);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (x === 0) continue;
      for (let j = 0; j < m; j++) out[j] += x * kernel.values[i * m + j];
    }
    return { shape: [m], values: activate(out, activation) };
  }

  // A valid convolution with stride 1, channels last: kernel (rows, columns, channels in, channels out).
  function conv2d({ shape: [h, w, c], values }, { kernel, bias, activation }) {
    const [kh, kw, , o] = kernel.shape;
    const [oh, ow] = [h - kh + 1, w - kw + 1];
    const out = new Float64Array(oh * ow * o);
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let k = 0; k < o; k++) {
          let sum = bias.values[k];
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              for (let ch = 0; ch < c; ch++)
                sum += values[((y + i) * w + x + j) * c + ch] * kernel.values[((i * kw + j) * c + ch) * o + k];
          out[(y * ow + x) * o + k] = sum;
        }
    return { shape: [oh, ow, o], values: activate(out, activation) };
  }

  // Pooling with the pool size as stride and no padding: a leftover row or column is dropped, as in Keras.
  function pool({ shape: [h, w, c], values }, { pool: [ph, pw], type }) {
    const [oh, ow] = [Math.floor(h / ph), Math.floor(w / pw)];
    const out = new Float64Array(oh * ow * c);
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let ch = 0; ch < c; ch++) {
          let result = type === "MaxPooling2D" ? -Infinity : 0;
          for (let i = 0; i < ph; i++)
            for (let j = 0; j < pw; j++) {
              const v = values[((y * ph + i) * w + x * pw + j) * c + ch];
              result = type === "MaxPooling2D" ? Math.max(result, v) : result + v / (ph * pw);
            }
          out[(y * ow + x) * c + ch] = result;
        }
    return { shape: [oh, ow, c], values: out };
  }

  const LAYERS = {
    Dense: dense,
    Conv2D: conv2d,
    AveragePooling2D: pool,
    MaxPooling2D: pool,
    Flatten: ({ values }) => ({ shape: [values.length], values }),
  };

  // The network's input from a 28 x 28 image: as it is, or zero-padded to 32 x 32 (LeNet).
  function inputFor(network, image) {
    const [h, w] = network.input;
    const channels = network.input[2] || 1;
    const margin = (h - SIZE) / 2;
    const values = new Float64Array(h * w * channels);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) values[((y + margin) * w + x + margin) * channels] = image[y * SIZE + x];
    return { shape: network.input.length === 3 ? [h, w, channels] : [h, w, 1], values, margin };
  }

  // Every layer's output, by name, and the last one's: the ten class probabilities.
  function run(network, image) {
    let tensor = inputFor(network, image);
    const outputs = { input: tensor };
    for (const layer of network.layers) {
      tensor = LAYERS[layer.type](tensor, layer);
      outputs[layer.name] = tensor;
    }
    return { outputs, probabilities: Array.from(tensor.values) };
  }

  // --- the digit ---------------------------------------------------------------------------------------
  // For each of `to` output cells over `from` input cells, the input cells it covers and by how much.
  function coverage(from, to) {
    const step = from / to;
    return Array.from({ length: to }, (_, k) => {
      const [start, end] = [k * step, (k + 1) * step];
      const cells = [];
      for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
        cells.push([i, (Math.min(end, i + 1) - Math.max(start, i)) / step]);
      }
      return cells;
    });
  }

  function centreOfMass(image, size = SIZE) {
    let [mass, row, col] = [0, 0, 0];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = image[y * size + x];
        mass += v;
        row += v * y;
        col += v * x;
      }
    return mass > 0 ? [row / mass, col / mass] : [(size - 1) / 2, (size - 1) / 2];
  }

  // A drawing (`ink`: width x height values in [0, 1]) made into an MNIST digit, as MNIST's were made: the
  // ink's bounding box scaled, keeping its proportions, to fit 20 x 20 pixels (each pixel the mean of the
  // ink it covers), then put in a 28 x 28 frame with its centre of mass on the test digits' mean centre.
  function fromInk(ink, width, height) {
    let [top, left, bottom, right] = [height, width, -1, -1];
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if (ink[y * width + x] > 0) [top, left, bottom, right] = [Math.min(top, y), Math.min(left, x), Math.max(bottom, y), Math.max(right, x)];
    const image = new Float64Array(SIZE * SIZE);
    if (bottom < 0) return image;
    const [boxH, boxW] = [bottom - top + 1, right - left + 1];
    const scale = BOX / Math.max(boxH, boxW);
    const [h, w] = [Math.max(1, Math.round(boxH * scale)), Math.max(1, Math.round(boxW * scale))];
    const [rows, cols] = [coverage(boxH, h), coverage(boxW, w)];
    const small = new Float64Array(h * w);
    rows.forEach((rowCells, y) =>
      cols.forEach((colCells, x) => {
        let sum = 0;
        for (const [i, a] of rowCells) for (const [j, b] of colCells) sum += a * b * ink[(top + i) * width + left + j];
        small[y * w + x] = sum;
      }),
    );
    let [mass, row, col] = [0, 0, 0];
    small.forEach((v, k) => {
      mass += v;
      row += v * Math.floor(k / w);
      col += v * (k % w);
    });
    const [dy, dx] = [Math.round(CENTRE - row / mass), Math.round(CENTRE - col / mass)];
    small.forEach((v, k) => {
      const [y, x] = [Math.floor(k / w) + dy, (k % w) + dx];
      if (y >= 0 && y < SIZE && x >= 0 && x < SIZE) image[y * SIZE + x] = v;
    });
    return image;
  }

  // --- the distortions (helpers/robustness.py) ---------------------------------------------------------
  // Bilinear sampling as scipy's map_coordinates(order=1, mode="constant"): 0 outside the frame.
  function sample(image, r, c) {
    if (r < 0 || c < 0 || r > SIZE - 1 || c > SIZE - 1) return 0;
    const [r0, c0] = [Math.min(Math.floor(r), SIZE - 2), Math.min(Math.floor(c), SIZE - 2)];
    const [fr, fc] = [r - r0, c - c0];
    const at = (y, x) => image[y * SIZE + x];
    return (
      (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) + fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1))
    );
  }

  // Turned `degrees` anticlockwise and grown by `factor` about the centre of mass (robustness.rotate, rescale).
  function warp(image, degrees, factor) {
    const [cr, cc] = centreOfMass(image);
    const angle = (degrees * Math.PI) / 180;
    const [cos, sin] = [Math.cos(angle) / factor, Math.sin(angle) / factor];
    const out = new Float64Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const [oy, ox] = [y - cr, x - cc];
        out[y * SIZE + x] = Math.min(1, Math.max(0, sample(image, cos * oy + sin * ox + cr, -sin * oy + cos * ox + cc)));
      }
    return out;
  }

  // Moved `dx` pixels right and `dy` down, black where nothing lands (robustness.shift).
  function shift(image, dx, dy) {
    const out = new Float64Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const [sy, sx] = [y - dy, x - dx];
        if (sy >= 0 && sy < SIZE && sx >= 0 && sx < SIZE) out[y * SIZE + x] = image[sy * SIZE + sx];
      }
    return out;
  }

  // Gaussian noise of standard deviation `sigma`, clipped to [0, 1]: the same draws for every sigma, so a
  // slider grows one noise pattern (a seeded generator, as robustness.add_noise; not numpy's numbers).
  function addNoise(image, sigma, seed = 1) {
    let state = seed >>> 0;
    const uniform = () => {
      state = (state + 0x6d2b79f5) >>> 0; // mulberry32
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    };
    return image.map((v) => {
      const normal = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      return Math.min(1, Math.max(0, v + sigma * normal));
    });
  }

  // The digit as the networks see it under the page's settings: turned and scaled, then shifted, then noisy.
  function distort(image, { dx = 0, dy = 0, degrees = 0, scale = 1, noise = 0 } = {}) {
    let out = degrees !== 0 || scale !== 1 ? warp(image, degrees, scale) : Float64Array.from(image);
    if (dx !== 0 || dy !== 0) out = shift(out, dx, dy);
    return noise > 0 ? addNoise(out, noise) : out;
  }

  return { SIZE, load, run, fromInk, distort, centreOfMass };
})();
