"""Saliency, embeddings and example selection, checked against hand-worked answers."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lenetlab.report import analysis, embedding, saliency


class OnePixelScore(nn.Module):
    """Class 0's logit is twice pixel (10, 10); every other logit is zero."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(len(x), 10)
        logits[:, 0] = 2 * x[:, 0, 10, 10]
        return logits


def test_input_gradient_of_a_one_pixel_score_is_that_pixel():
    inputs = torch.rand(2, 1, 28, 28)

    maps = saliency.input_gradient(OnePixelScore(), inputs, torch.tensor([0, 0]))

    expected = np.zeros((28, 28), dtype=np.float32)
    expected[10, 10] = 2.0
    np.testing.assert_allclose(maps[0], expected)
    np.testing.assert_allclose(maps[1], expected)


def test_occlusion_of_a_one_pixel_score_by_hand():
    inputs = torch.zeros(1, 1, 28, 28)
    inputs[0, 0, 10, 10] = 3.0
    fill = -0.5

    maps = saliency.occlusion(OnePixelScore(), inputs, torch.tensor([0]), fill=fill)

    # every patch over (10, 10) lowers the score from 2*3 to 2*(-0.5): a fall of 7
    assert np.isclose(maps[0, 10, 10], 7.0)
    # patches (6x6, stride 2) that cover (0, 0) never cover (10, 10)
    assert maps[0, 0, 0] == 0.0


def test_occlusion_map_at_a_pixel_is_the_mean_over_the_patches_covering_it():
    inputs = torch.zeros(1, 1, 28, 28)
    inputs[0, 0, 10, 10] = 3.0
    maps = saliency.occlusion(OnePixelScore(), inputs, torch.tensor([0]), fill=0.0)

    # pixel (5, 10): the patches over row 5 start at rows 0, 2 and 4; those over row 10 start
    # at rows 6, 8 and 10, so no patch over (5, 10) hides (10, 10)
    assert maps[0, 5, 10] == 0.0
    # pixel (6, 10): patches over it start at rows 2, 4, 6 and columns 6, 8, 10; the 3 that
    # start at row 6 also hide (10, 10), lowering the score by 6: the mean is 6 * 3 / 9
    assert np.isclose(maps[0, 6, 10], 6.0 * 3 / 9)


def test_pca_keeps_the_geometry_of_points_on_a_plane():
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(200, 2)) * [5.0, 1.0]
    basis, _ = np.linalg.qr(rng.normal(size=(84, 2)))  # two orthonormal directions in 84-D
    points = plane @ basis.T + 7.0

    coords, explained = embedding.pca_2d(points)

    def distances(x: np.ndarray) -> np.ndarray:
        return np.linalg.norm(x[:, None] - x[None], axis=-1)

    np.testing.assert_allclose(distances(coords), distances(plane), atol=1e-8)
    assert np.isclose(explained.sum(), 1.0)
    assert explained[0] > explained[1]


def test_tsne_is_reproducible_and_separates_clusters():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 20)) * 20
    labels = np.repeat(np.arange(3), 40)
    points = centres[labels] + rng.normal(size=(120, 20))

    first = embedding.tsne_2d(points, seed=0)
    second = embedding.tsne_2d(points, seed=0)

    np.testing.assert_array_equal(first, second)
    spread = max(first[labels == k].std(0).max() for k in range(3))
    gaps = [
        np.linalg.norm(first[labels == a].mean(0) - first[labels == b].mean(0))
        for a, b in ((0, 1), (0, 2), (1, 2))
    ]
    assert min(gaps) > 3 * spread


def test_embedding_subset_is_fixed_sorted_and_bounded():
    subset = embedding.embedding_subset(10_000, 2000, seed=0)

    assert len(subset) == 2000 and len(set(subset.tolist())) == 2000
    assert (np.diff(subset) > 0).all()
    np.testing.assert_array_equal(subset, embedding.embedding_subset(10_000, 2000, seed=0))
    np.testing.assert_array_equal(embedding.embedding_subset(50, 2000), np.arange(50))


def _predictions(probabilities: list[list[float]], labels: list[int]) -> analysis.TestPredictions:
    return analysis.TestPredictions(np.array(probabilities), np.array(labels))


def test_confusion_and_accuracy_by_hand():
    predictions = _predictions(
        [[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0], [0.0, 0.3, 0.7]], [0, 1, 1, 2]
    )

    np.testing.assert_array_equal(predictions.confusion, [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    assert predictions.accuracy == 0.75


def test_confident_mistakes_come_surest_first():
    predictions = _predictions(
        [[0.6, 0.4], [0.1, 0.9], [0.95, 0.05], [0.3, 0.7], [0.9, 0.1]], [1, 1, 1, 0, 0]
    )

    # wrong: #0 (0.6), #2 (0.95), #3 (0.7); #1 and #4 are right
    np.testing.assert_array_equal(analysis.confident_mistakes(predictions, 5), [2, 3, 0])
    np.testing.assert_array_equal(analysis.confident_mistakes(predictions, 1), [2])


def test_one_per_class_takes_the_first_of_each_and_skips_absent_classes():
    assert analysis.one_per_class(np.array([3, 1, 1, 0, 3]), 5) == [3, 1, 0]
