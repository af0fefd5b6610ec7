"""Staff review: POST /products/{id}/approve and /reject, and the seller's emails, queued
once per decision with it (the worker sends them: ecommerce/email.py)."""

import uuid

import pytest
from django.test import override_settings

from ecommerce import aws
from ecommerce.email import email_send
from ecommerce.models import Email
from products import services
from products.models import Product, ProductStatus
from tests.conftest import concurrently, sent_emails, wait_for
from tests.products.factories import land_image, submitted
from tests.support.emails import queued_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user):
    return make_user()


@pytest.fixture
def ready(seller, quiet_storage) -> Product:
    """A pending product whose image has landed."""
    return land_image(submitted(seller.user, product_name="Gucci shoes"))


def mails(emulator_url, seller, subject: str) -> list[dict]:
    """The seller's emails about decisions, as queued with them."""
    return [m for m in queued_emails(seller.email) if m["subject"] == subject]


APPROVED = "Your product has been approved"
REJECTED = "Your product was not approved"


def test_staff_approve_records_who_and_when_and_emails_the_seller_once(
    staff_api, seller, ready, emulator_url
):
    response = staff_api.post(f"/products/{ready.id}/approve")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["isApproved"], body["rejectionReason"]) == ("approved", True, "")
    assert body["reviewedAt"] is not None
    product = Product.objects.get(pk=ready.id)
    assert product.reviewed_by == staff_api.signed_in.user
    [mail] = mails(emulator_url, seller, APPROVED)
    assert mail["destinations"]["ToAddresses"] == [seller.email]
    assert "Gucci shoes" in mail["body"] and str(ready.id) in mail["body"]
    assert mail["key"] == f"product:{ready.id}:approved"

    # Approving again is a no-op: same review, no second email.
    again = staff_api.post(f"/products/{ready.id}/approve")
    assert again.status_code == 200
    assert again.json()["reviewedAt"] == body["reviewedAt"]
    assert len(mails(emulator_url, seller, APPROVED)) == 1


def test_a_product_whose_image_has_not_landed_cannot_be_approved(
    staff_api, seller, quiet_storage, emulator_url
):
    product = submitted(seller.user)

    response = staff_api.post(f"/products/{product.id}/approve")

    assert response.status_code == 409
    assert response.json()["code"] == "image_missing"
    assert Product.objects.get(pk=product.id).status == ProductStatus.PENDING
    assert queued_emails(seller.email) == []


def test_staff_reject_with_a_reason_emails_the_seller_once(staff_api, seller, ready, emulator_url):
    response = staff_api.post(
        f"/products/{ready.id}/reject", {"reason": "The photo is blurry."}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["rejectionReason"], body["isApproved"]) == (
        "rejected",
        "The photo is blurry.",
        False,
    )
    product = Product.objects.get(pk=ready.id)
    assert (product.reviewed_by, product.reviewed_at is not None) == (
        staff_api.signed_in.user,
        True,
    )
    [mail] = mails(emulator_url, seller, REJECTED)
    assert "The photo is blurry." in mail["body"]

    again = staff_api.post(f"/products/{ready.id}/reject", {"reason": "Other."}, format="json")
    assert again.status_code == 200
    assert again.json()["rejectionReason"] == "The photo is blurry."  # the first reason stands
    assert len(mails(emulator_url, seller, REJECTED)) == 1


def test_a_rejected_product_can_still_be_approved_and_each_email_goes_once(
    staff_api, seller, ready, emulator_url
):
    staff_api.post(f"/products/{ready.id}/reject", {"reason": "Price?"}, format="json")
    response = staff_api.post(f"/products/{ready.id}/approve")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejectionReason"]) == ("approved", "")
    assert len(mails(emulator_url, seller, REJECTED)) == 1
    assert len(mails(emulator_url, seller, APPROVED)) == 1


def test_an_approved_product_cannot_be_rejected(staff_api, seller, ready, emulator_url):
    staff_api.post(f"/products/{ready.id}/approve")

    response = staff_api.post(f"/products/{ready.id}/reject", {"reason": "x"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "already_approved"
    assert Product.objects.get(pk=ready.id).status == ProductStatus.APPROVED
    assert mails(emulator_url, seller, REJECTED) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="missing"),
        pytest.param({"reason": ""}, id="empty"),
        pytest.param({"reason": "   "}, id="blank"),
        pytest.param({"reason": 5}, id="number"),
        pytest.param({"reason": "x" * 501}, id="too-long"),
    ],
)
def test_reject_needs_a_reason(staff_api, ready, body):
    response = staff_api.post(f"/products/{ready.id}/reject", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reason"]
    assert Product.objects.get(pk=ready.id).status == ProductStatus.PENDING


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_review_is_for_signed_in_staff_only(api, user_api, seller, ready, action):
    url = f"/products/{ready.id}/{action}"
    data = {"reason": "no"}

    assert api.post(url, data, format="json").status_code == 401
    response = user_api.post(url, data, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    # Not even the owner may review their own product.
    assert seller.client.post(url, data, format="json").status_code == 403
    assert Product.objects.get(pk=ready.id).status == ProductStatus.PENDING


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_reviewing_an_unknown_product_is_404(staff_api, action):
    response = staff_api.post(f"/products/{uuid.uuid4()}/{action}", {"reason": "x"}, format="json")
    assert response.status_code == 404


def test_with_ses_down_approving_answers_200_and_the_email_follows_when_ses_is_back(
    staff_api, seller, ready, emulator_url
):
    from ecommerce.emulator import free_port

    with override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS=1):
        aws.reset_clients()
        try:
            response = staff_api.post(f"/products/{ready.id}/approve")
            assert response.status_code == 200  # the approval answers for itself alone
            email = Email.objects.get(key=f"product:{ready.id}:approved")
            assert email_send(email.pk) is None  # the worker meets the outage: later
        finally:
            aws.reset_clients()
    assert Product.objects.get(pk=ready.id).status == ProductStatus.APPROVED
    assert sent_emails(emulator_url, to=seller.email) == []

    email.refresh_from_db()
    assert (email.sent_at, email.claimed_at, email.failed_reason) == (None, None, "")
    assert email.due_at is not None  # due again, after a backoff
    assert email_send(email.pk)  # its retry, with SES back
    assert email_send(email.pk) is None
    [mail] = sent_emails(emulator_url, to=seller.email)
    assert mail["subject"] == APPROVED


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_send_one_email(make_user, quiet_storage, emulator_url):
    seller = make_user()
    staff = make_user(staff=True).user
    product = land_image(submitted(seller.user))
    outcomes = concurrently(lambda: services.product_approve(product_id=product.id, by=staff), 4)

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert len(mails(emulator_url, seller, APPROVED)) == 1


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_decision_email_reaches_the_seller_through_the_worker(
    make_user, quiet_storage, emulator_url, celery_worker, events_consumer
):
    seller = make_user()
    staff = make_user(staff=True)
    product = land_image(submitted(seller.user, product_name="Gucci shoes"))

    assert staff.client.post(f"/products/{product.id}/approve").status_code == 200

    [mail] = wait_for(lambda: sent_emails(emulator_url, to=seller.email), timeout=30)
    assert mail["subject"] == APPROVED
    assert "Gucci shoes" in mail["body"]
    email = Email.objects.get(key=f"product:{product.id}:approved")
    wait_for(lambda: Email.objects.get(pk=email.pk).ses_message_id == mail["id"], timeout=10)
