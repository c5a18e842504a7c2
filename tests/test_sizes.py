import pytest

from insolegen.profile.sizes import SizeError, parse_size


@pytest.mark.parametrize(
    "text, length_mm",
    [
        ("EU 42", 280 - 15),  # 1.5 x last cm = 42 -> last 28 cm
        ("EU 38", 38 / 1.5 * 10 - 15),
        ("UK 8", (8 + 25) / 3 * 25.4 - 15),  # 11 in last
        ("US M 9", (9 + 24) / 3 * 25.4 - 15),
        ("US W 10.5", (9 + 24) / 3 * 25.4 - 15),  # women's = men's + 1.5
        ("MP 265", 265),
        ("mp 250", 250),
        ("us w 7,5", (6 + 24) / 3 * 25.4 - 15),
        ("Mondopoint 270", 270),
    ],
)
def test_size_to_foot_length(text, length_mm):
    assert parse_size(text).foot_length_mm == pytest.approx(length_mm, abs=1e-9)


@pytest.mark.parametrize("text, fragment", [
    ("US 9", "US M 9"), ("FR 42", "EU 42"), ("42", "EU 42"), ("EU", "EU 42"), ("EU -3", "EU 42"),
])
def test_bad_sizes_say_what_is_allowed(text, fragment):
    with pytest.raises(SizeError, match=fragment):
        parse_size(text)
