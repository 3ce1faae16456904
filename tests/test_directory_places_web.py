"""Hamlets and quarters have no national code: the commune's users keep them on the
commune's page; others may read the place but not add to it."""

import pytest

from edupact.directory.models import AdminUnit


@pytest.fixture
def commune(tree):
    province = AdminUnit.objects.create(
        name="Thành phố Hồ Chí Minh", country="VN", level="province", code="79"
    )
    unit = AdminUnit.objects.create(
        name="Xã Bình Chánh",
        country="VN",
        level="commune",
        code="27595",
        parent=province,
        kind="xã",
    )
    tree.commune_branch.admin_unit = unit
    tree.commune_branch.save()
    return unit


def test_commune_official_adds_a_hamlet(tree, commune, client_as):
    client = client_as(tree.users["commune_official"], "vi")
    response = client.post(
        commune.get_absolute_url(),
        {"name": "Ấp 3", "kind": "ấp", "valid_from": "01/07/2025", "valid_to": ""},
    )
    assert response.status_code == 302
    hamlet = AdminUnit.objects.get(parent=commune, level="hamlet")
    assert (hamlet.name, hamlet.country, str(hamlet.valid_from)) == ("Ấp 3", "VN", "2025-07-01")
    page = client.get(commune.get_absolute_url()).content.decode()
    assert "Ấp 3" in page


def test_a_reader_from_elsewhere_cannot_add_a_hamlet(tree, commune, client_as):
    client = client_as(tree.users["education_officer"], "en")
    page = client.get(commune.get_absolute_url())
    assert page.status_code == 200 and '<form class="card"' not in page.content.decode()
    response = client.post(commune.get_absolute_url(), {"name": "Ấp 9", "kind": "ấp"})
    assert response.status_code == 403  # places are read by all: a refusal that says why
    assert "You may not change places of this commune." in response.content.decode()
    assert not AdminUnit.objects.filter(level="hamlet").exists()


def test_an_impossible_date_is_refused_on_its_field(tree, commune, client_as):
    client = client_as(tree.users["commune_official"], "en")
    response = client.post(
        commune.get_absolute_url(), {"name": "Ấp 4", "kind": "ấp", "valid_from": "31/02/2025"}
    )
    assert response.status_code == 200
    assert 'id="id_valid_from_error"' in response.content.decode()
    assert not AdminUnit.objects.filter(level="hamlet").exists()
