"""Review in the Django admin: the changelist, bulk approve, bulk reject with a reason."""

import uuid

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from accounts.models import User
from ecommerce import storage
from products import revisions
from products.models import Product, ProductStatus
from tests.products.factories import first_image, land_image, product_make, submitted
from tests.support.emails import queued_emails

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/products/product/"


@pytest.fixture
def admin_user() -> User:
    tag = uuid.uuid4().hex[:8]
    return User.objects.create_superuser(
        username=f"admin-{tag}", email=f"admin-{tag}@example.com", password="x" * 12
    )


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_changelist_shows_preview_status_owner_category_and_time(
    admin_client, make_user, quiet_storage
):
    seller = make_user()
    product = land_image(submitted(seller.user, product_name="Gucci shoes", category="Clothes"))

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Gucci shoes" in html
    assert f'<img src="{first_image(product).image_url}"' in html
    assert "pending review" in html  # status
    assert seller.email in html  # owner
    assert "Clothes" in html
    assert ">Created at<" in html or "created at" in html.lower()
    for action in ("Approve selected", "Reject selected"):
        assert action in html


def test_the_changelist_filters_by_status_and_category_and_searches_name_and_email(admin_client):
    approved = product_make(product_name="Approved hat", category="Hats")
    pending = product_make(
        product_name="Pending scarf",
        category="Scarves",
        status=ProductStatus.PENDING,
        seller_email="scarf-seller@example.com",
    )

    def listed(**params) -> set[str]:
        response = admin_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return {p.pk for p in response.context["cl"].result_list}

    assert listed(status__exact="pending") == {pending.pk}
    assert listed(category="Hats") == {approved.pk}
    assert listed(q="scarf") == {pending.pk}
    assert listed(q="scarf-seller@example.com") == {pending.pk}
    assert listed(q="Approved") == {approved.pk}


def test_approve_selected_approves_records_the_admin_and_emails_each_seller_once(
    admin_client, admin_user, make_user, quiet_storage, emulator_url
):
    sellers = [make_user(), make_user()]
    products = [land_image(submitted(s.user)) for s in sellers]
    no_image = submitted(sellers[0].user, product_name="No image yet")

    response = admin_client.post(
        CHANGELIST,
        {
            "action": "approve_selected",
            ACTION_CHECKBOX_NAME: [str(p.pk) for p in [*products, no_image]],
        },
        follow=True,
    )

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "2 product(s) approved." in shown
    assert any(m.startswith("Not approved: No image yet") for m in shown)
    for product, seller in zip(products, sellers, strict=True):
        product.refresh_from_db()
        assert (product.status, product.reviewed_by) == (ProductStatus.APPROVED, admin_user)
        assert product.reviewed_at is not None
        [mail] = queued_emails(seller.email)
        assert mail["subject"] == "Your product has been approved"
    assert Product.objects.get(pk=no_image.pk).status == ProductStatus.PENDING

    # Running the action again changes nothing and sends nothing more.
    admin_client.post(
        CHANGELIST,
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [str(p.pk) for p in products]},
    )
    assert [len(queued_emails(s.email)) for s in sellers] == [1, 1]


def test_reject_selected_asks_for_a_reason_then_rejects_and_emails_it(
    admin_client, admin_user, make_user, quiet_storage, emulator_url
):
    seller = make_user()
    products = [submitted(seller.user, product_name=f"item {i}") for i in range(2)]
    selected = [str(p.pk) for p in products]

    # First the intermediate page: nothing is rejected yet.
    page = admin_client.post(
        CHANGELIST, {"action": "reject_selected", ACTION_CHECKBOX_NAME: selected}
    )
    assert page.status_code == 200
    assert "admin/products/product/reject_selected.html" in [t.name for t in page.templates]
    html = page.content.decode()
    assert 'name="reason"' in html and "item 0" in html and "item 1" in html
    assert all(p.status == ProductStatus.PENDING for p in Product.objects.filter(pk__in=selected))

    # Without a reason the page comes back with an error.
    again = admin_client.post(
        CHANGELIST,
        {"action": "reject_selected", ACTION_CHECKBOX_NAME: selected, "apply": "yes", "reason": ""},
    )
    assert again.status_code == 200
    assert again.context["form"].errors == {"reason": ["This field is required."]}
    assert queued_emails(seller.email) == []

    done = admin_client.post(
        CHANGELIST,
        {
            "action": "reject_selected",
            ACTION_CHECKBOX_NAME: selected,
            "apply": "yes",
            "reason": "Counterfeit goods.",
        },
    )
    assert (done.status_code, done["Location"]) == (302, CHANGELIST)
    for product in Product.objects.filter(pk__in=selected):
        assert (product.status, product.rejection_reason, product.reviewed_by) == (
            ProductStatus.REJECTED,
            "Counterfeit goods.",
            admin_user,
        )
    mails = queued_emails(seller.email)
    assert len(mails) == 2
    assert all("Counterfeit goods." in m["body"] for m in mails)


def test_a_product_page_is_read_only_and_products_are_not_added_in_the_admin(admin_client):
    product = product_make(quantity=5)
    url = f"{CHANGELIST}{product.pk}/change/"

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"quantity": 999, "status": "approved"})
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).quantity == 5
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_deleting_a_product_in_the_admin_deletes_its_image_object(admin_client, quiet_storage):
    from products.models import ProductImage

    product = land_image(submitted(_owner()))
    image = first_image(product)
    key = image.image_key

    response = admin_client.post(f"{CHANGELIST}{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not ProductImage.objects.filter(pk=image.pk).exists()
    assert not storage.exists(ProductImage.bucket(), key)


def _owner() -> User:
    tag = uuid.uuid4().hex[:8]
    return User.objects.create_user(username=f"seller-{tag}", email=f"s-{tag}@example.com")


def test_requested_changes_are_filtered_shown_beside_the_live_values_and_decided(
    admin_client, make_user
):
    seller = make_user()
    mine = {"owner": seller.user, "seller_email": seller.email}
    hat = product_make(**mine, product_name="Wool hat", quantity=5)
    scarf = product_make(**mine, product_name="Silk scarf")
    product_make(product_name="Untouched")
    for product, name in ((hat, "Woollen hat"), (scarf, "SILK SCARF!!!")):
        revisions.product_edit(product_id=product.pk, user=seller.user, product_name=name)

    waiting = admin_client.get(CHANGELIST, {"changes": "pending"}).content.decode()
    assert "Wool hat" in waiting and "Silk scarf" in waiting and "Untouched" not in waiting

    page = admin_client.get(f"{CHANGELIST}{hat.pk}/change/").content.decode()
    assert "<th>product name</th><td>Wool hat</td><td>Woollen hat</td>" in page
    assert "Stock movements" in page and "initial stock" in page

    approved = admin_client.post(
        CHANGELIST, {"action": "approve_changes", ACTION_CHECKBOX_NAME: [str(hat.pk)]}
    )
    assert approved.status_code == 302
    form = admin_client.post(
        CHANGELIST, {"action": "reject_changes", ACTION_CHECKBOX_NAME: [str(scarf.pk)]}
    )
    assert "requested changes will be rejected" in form.content.decode()
    rejected = admin_client.post(
        CHANGELIST,
        {
            "action": "reject_changes",
            ACTION_CHECKBOX_NAME: [str(scarf.pk)],
            "apply": "yes",
            "reason": "No shouting.",
        },
    )
    assert rejected.status_code == 302
    assert Product.objects.get(pk=hat.pk).product_name == "Woollen hat"
    assert Product.objects.get(pk=scarf.pk).product_name == "Silk scarf"
    subjects = sorted(m["subject"] for m in queued_emails(seller.email))
    assert subjects == [
        "Your product changes have been approved",
        "Your product changes were not approved",
    ]
    assert (
        admin_client.get(CHANGELIST, {"changes": "pending"}).content.decode().count("Wool hat") == 0
    )
