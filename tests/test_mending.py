"""Mending near-zero-area triangles (insolegen.mending): a needle collapsed, a cap flipped."""

from __future__ import annotations

import numpy as np


def test_a_needle_left_by_a_cut_is_collapsed_and_the_solid_stays_closed():
    from meshtools import assert_solid

    from insolegen.mending import collapse_needles
    from insolegen.solid import Mesh

    # a tetrahedron whose edge p-q carries an extra vertex m 1e-9 mm from p: the two
    # triangles p-m-* are needles (area 5e-9 mm2); collapsing p-m gives it back
    p, q, r, s = [0.0, 0, 0], [10.0, 0, 0], [0.0, 10, 0], [0.0, 0, 10]
    m = [1e-9, 0, 0]
    v = np.array([p, q, r, s, m])
    f = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    # split the faces on edge 0-1 at vertex 4
    f = np.array([[0, 2, 4], [4, 2, 1], [0, 4, 3], [4, 1, 3], [0, 3, 2], [1, 2, 3]])
    assert_solid(v, f)  # closed, but with two needles
    fixed = collapse_needles(Mesh(vertices=v, faces=f))
    assert fixed.triangle_count == 4 and len(fixed.vertices) == 4
    assert_solid(fixed.vertices, fixed.faces)
    # nothing to collapse: the mesh comes back as it was
    same = collapse_needles(fixed)
    assert same.triangle_count == 4


def test_a_cap_left_by_a_cut_is_mended_by_flipping_its_long_edge():
    from meshtools import assert_solid

    from insolegen.mending import collapse_needles
    from insolegen.solid import Mesh

    # a tetrahedron whose face p-r-q is split at m, a hair off the middle of p-q, and
    # the cap p-m-q (zero area, all its edges long) closing the gap to face p-q-s
    v = np.array([[0.0, 0, 0], [10.0, 0, 0], [0.0, 10, 0], [0.0, 0, 10], [5.0, 1e-11, 0]])
    f = np.array([[0, 2, 4], [4, 2, 1], [0, 4, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    assert_solid(v, f)
    fixed = collapse_needles(Mesh(vertices=v, faces=f))
    tri = fixed.vertices[fixed.faces]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    assert fixed.triangle_count == 6 and area.min() > 1e-3  # the cap is gone, nothing else
    assert_solid(fixed.vertices, fixed.faces)
    assert np.allclose(fixed.vertices, v)  # no corner moved


