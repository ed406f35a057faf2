// Where to look for a face too small for the landmarker's own detector. tasks-vision's FaceLandmarker finds faces
// with MediaPipe's short-range detector, which sees the whole frame shrunk to 128 px on its long side: in a 1280x720
// frame it misses faces narrower than ~150 px. On a square of the frame's short side it finds them down to ~80 px
// (measured with the same model in Python: 100 px faces in 720 px squares 18 of 18, 80 px 17 of 18; in 960 px squares
// 15 and 3 of 18). So a frame is searched in squares of its short side laid along its long side, neighbours
// overlapping by at least a fifth of a side: any face up to that overlap wide lies wholly inside one square.

const MIN_OVERLAP = 0.2;  // of a square's side

/** Squares {x, y, side} (frame pixels) covering a width x height frame; none when the frame is (nearly) square,
 * where a square is no closer a look than the frame itself. */
export function searchSquares(width, height) {
  const side = Math.min(width, height), long = Math.max(width, height);
  if (long < side * 1.15) return [];
  const count = Math.ceil((long - side * MIN_OVERLAP) / (side * (1 - MIN_OVERLAP)));
  const step = (long - side) / (count - 1);
  const squares = [];
  for (let i = 0; i < count; i++) {
    const along = Math.round(i * step);
    squares.push(width >= height ? { x: along, y: 0, side } : { x: 0, y: along, side });
  }
  return squares;
}

/** Landmarks found in `square` (normalised to it, as tasks-vision gives them) as flat [x0, y0, ...] frame pixels. */
export function fromSquare(points, square, count) {
  const flat = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    flat[2 * i] = square.x + points[i].x * square.side;
    flat[2 * i + 1] = square.y + points[i].y * square.side;
  }
  return flat;
}
