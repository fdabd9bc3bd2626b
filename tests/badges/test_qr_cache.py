"""The QR codes a process keeps in memory are bounded: drawing the badges of a large
register does not grow the process without end."""

from __future__ import annotations

from registry.badges import images


def shown(n: int) -> images.Shown:
    return images.Shown(name=f"Organisation {n}", version="1.0", status="active",
                        verify_url=f"https://registry.example/verify/b{n:07d}")


def test_drawing_many_badges_keeps_a_bounded_number_of_qr_codes():
    images._qr_matrix.cache_clear()
    drawn = 400
    for n in range(drawn):
        images.svg(shown(n))
    kept = images._qr_matrix.cache_info().currsize
    assert kept <= 300 < drawn, kept
    # Still a cache: the PNG of a badge just drawn in SVG reuses its code.
    hits = images._qr_matrix.cache_info().hits
    images.png(shown(drawn - 1))
    assert images._qr_matrix.cache_info().hits == hits + 1
    assert images._qr_matrix.cache_info().currsize == kept
