"""Standard and edge-case profiles, reused across the tests (as TOML-shaped dicts)."""

from __future__ import annotations

FLAT = {"arch_height_mm": 0, "heel_cup_depth_mm": 0, "met_pad_height_mm": 0}

PROFILES: dict[str, dict] = {
    "plain-eu42": {"name": "plain", "foot": {"size": "EU 42"}},
    "flat-mp265": {"name": "flat", "foot": {"size": "MP 265"}, "shape": dict(FLAT, thickness_mm=3.0)},
    "lld-left-heel": {
        "name": "lld",
        "foot": {"size": "US M 9"},
        "lift": {"side": "left", "heel_mm": 6, "measured_lld_mm": 10},
    },
    "lld-right-full-length": {
        "name": "lld-full",
        "foot": {"length_mm": 250},
        "lift": {"side": "right", "heel_mm": 9, "forefoot_mm": 4.5, "measured_lld_mm": 14},
    },
    "orthotic": {
        "name": "orthotic",
        "foot": {"size": "UK 8", "ball_width_mm": 98, "heel_width_mm": 68},
        "shape": {
            "heel_cup_depth_mm": 16, "arch_height_mm": 20, "arch_apex_pct": 40,
            "met_pad_height_mm": 5, "rearfoot_post_deg": 4, "forefoot_post_deg": -3,
            "heel_thickness_mm": 5,
        },
        "left": {"arch_height_mm": 16},
    },
    "sulcus-womens": {"name": "sulcus", "foot": {"size": "US W 7"}, "shape": {"length": "sulcus"}},
    "three-quarter": {"name": "tq", "side": "right", "foot": {"size": "EU 44"}, "shape": {"length": "three-quarter"}},
    "shoe-underside": {"name": "shoe", "foot": {"size": "EU 41"}, "lift": {"side": "right", "heel_mm": 5},
                       "shoe": {"heel_pitch_mm": 25, "toe_spring_mm": 10, "bottom": "shoe"}},
    "small-thin": {
        "name": "small", "foot": {"length_mm": 200, "ball_width_mm": 70, "heel_width_mm": 46},
        "shape": {"thickness_mm": 1.2, "arch_height_mm": 30, "arch_apex_pct": 55},
    },
    "large-wide-valgus": {
        "name": "large", "foot": {"length_mm": 330, "ball_width_mm": 140, "heel_width_mm": 95},
        "shape": {"thickness_mm": 6, "rearfoot_post_deg": -8, "heel_cup_depth_mm": 25, "arch_apex_pct": 35},
    },
}
