import numpy as np
import pytest

from tryon.engine.pipeline import Pipeline
from tryon.media.sources import DemoSource


@pytest.fixture(scope="module")
def video_pipeline():  # noqa: ANN201
    with Pipeline(mode="video") as pipeline:
        yield pipeline


def test_face_free_frame_comes_back_unchanged(video_pipeline, library) -> None:  # noqa: ANN001
    from skimage import data

    frame = np.ascontiguousarray(data.coffee())
    result = video_pipeline.process(frame, library.get("mv-ruby-hour"), timestamp_ms=10_000)
    assert not result.faces_found
    assert result.faces == ()
    assert np.array_equal(result.rendered, frame)


def test_demo_stream_renders_with_timings(video_pipeline, library) -> None:  # noqa: ANN001
    video_pipeline.reset()
    shade = library.get("ll-cherry-glaze")
    demo = DemoSource()
    for index in range(5):
        frame = demo.frame(index)
        result = video_pipeline.process(frame, shade, intensity=0.8, timestamp_ms=20_000 + index * 33)
        assert result.faces_found
        assert result.rendered.shape == frame.shape
        assert result.rendered.dtype == np.uint8
        assert not np.array_equal(result.rendered, frame)
        assert result.timings.landmarks_ms > 0
        assert result.timings.render_ms > 0
        assert result.timings.total_ms >= result.timings.landmarks_ms


def test_no_shade_gives_the_before_view(library, astronaut) -> None:  # noqa: ANN001
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(np.array(astronaut), None)
    assert result.faces_found
    assert len(result.masks) == 1
    assert np.array_equal(result.rendered, astronaut)


def test_several_faces_share_one_copy_and_the_input_is_untouched(library, astronaut, landmarker) -> None:  # noqa: ANN001
    from tryon.engine.mask import lip_mask
    from tryon.engine.pipeline import render_masks
    from tryon.engine.render import apply_shade

    pair = np.ascontiguousarray(np.concatenate([astronaut, astronaut[:, ::-1]], axis=1))
    before = pair.copy()
    masks = tuple(lip_mask(pair, face) for face in landmarker.detect(pair))
    assert len(masks) == 2
    shade = library.get("mv-ruby-hour")
    both = render_masks(pair, masks, shade)
    np.testing.assert_array_equal(pair, before)
    np.testing.assert_array_equal(both, apply_shade(apply_shade(pair, masks[0], shade), masks[1], shade))
    assert not np.array_equal(both[:, :512], pair[:, :512])
    assert not np.array_equal(both[:, 512:], pair[:, 512:])


def test_in_place_render_paints_the_given_frame_and_can_give_back_the_original(library) -> None:  # noqa: ANN001
    """The live view renders into the frame it owns: same pixels as rendering into a copy, no
    full-frame copy, and `original` rebuilt from the painted-over pixels equals the input."""
    shade = library.get("nv-berry-ombre")
    frame = DemoSource().frame(7)
    untouched = frame.copy()
    with Pipeline(mode="image") as pipeline:
        copied = pipeline.process(untouched.copy(), shade, intensity=0.9)
        in_place = pipeline.process(frame, shade, intensity=0.9, in_place=True)
    assert in_place.rendered is frame
    np.testing.assert_array_equal(in_place.rendered, copied.rendered)
    assert not np.array_equal(frame, untouched)
    np.testing.assert_array_equal(in_place.original, untouched)
    outside = np.ones(frame.shape[:2], dtype=bool)
    for mask in in_place.masks:
        outside[mask.slices] = False
    np.testing.assert_array_equal(frame[outside], untouched[outside])


def test_in_place_on_a_read_only_frame_renders_into_a_copy(library) -> None:  # noqa: ANN001
    frame = DemoSource().frame(3)
    frame.setflags(write=False)
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(frame, library.get("mv-ruby-hour"), in_place=True)
    assert result.rendered is not frame
    assert result.original is frame
    assert not np.array_equal(result.rendered, frame)
