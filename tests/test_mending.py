"""Mending near-zero-area triangles (insolegen.geometry.mending): a needle collapsed, a cap flipped."""

from __future__ import annotations

import numpy as np


def test_a_needle_left_by_a_cut_is_collapsed_and_the_solid_stays_closed():
    from meshtools import assert_solid

    from insolegen.geometry.mending import collapse_needles
    from insolegen.geometry.solid import Mesh

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

    from insolegen.geometry.mending import collapse_needles
    from insolegen.geometry.solid import Mesh

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




def _octahedron(centre, r=5.0):
    c = np.asarray(centre, dtype=float)
    v = c + r * np.array([[1.0, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]])
    f = np.array([[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]])
    return v, f


def test_edges_under_a_micrometre_are_collapsed_and_the_solid_stays_closed():
    from meshtools import assert_solid

    from insolegen.geometry.mending import collapse_short_edges
    from insolegen.geometry.solid import Mesh

    # an octahedron whose top corner is two corners 40 nanometres apart (an STL's float32
    # would make them one): the top four faces become six, two of them needles
    v, f = _octahedron((100.0, 0, 0))
    v = np.vstack([v, v[4] + [4e-5, 0, 0]])  # corner 6 beside corner 4
    f = np.array([[0, 2, 6], [2, 1, 4], [1, 3, 4], [3, 0, 6], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5],
                  [2, 4, 6], [3, 6, 4]])
    assert_solid(v, f)
    fixed = collapse_short_edges(Mesh(vertices=v, faces=f))
    assert fixed.triangle_count == 8 and len(fixed.vertices) == 6
    assert_solid(fixed.vertices, fixed.faces)
    edges = fixed.vertices[fixed.faces] - np.roll(fixed.vertices[fixed.faces], 1, axis=1)
    assert np.linalg.norm(edges, axis=2).min() > 1.0


def test_a_pinch_shows_when_the_mesh_is_checked_as_its_stl_reads():
    from insolegen.checks.meshcheck import check_part
    from insolegen.geometry.mending import welded_as_stl
    from insolegen.geometry.solid import Mesh

    # two octahedra touching corner to corner: closed and manifold as two index sets, one
    # point once an STL reader welds the corners by position
    a, fa = _octahedron((0.0, 0, 0))
    b, fb = _octahedron((10.0, 0, 0))
    mesh = Mesh(vertices=np.vstack([a, b]), faces=np.vstack([fa, fb + 6]))
    welded = welded_as_stl(mesh)
    assert len(welded.vertices) == 11
    # a touching corner is a non-manifold vertex, not edge: the checks pass it but an
    # edge shared this way would not; two octahedra sharing an edge do fail
    c, fc = _octahedron((0.0, 0, 0))
    d, fd = _octahedron((5.0, 5.0, 0))  # d's corners -x and -y fall on c's +x and +y
    shared = welded_as_stl(Mesh(vertices=np.vstack([c, d]), faces=np.vstack([fc, fd + 6])))
    assert len(shared.vertices) == 10
    report = check_part(shared.vertices, shared.faces, min_thickness_mm=0.1)
    assert not report.ok and any("manifold" in p for p in report.problems), report.problems
