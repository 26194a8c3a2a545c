from __future__ import annotations

from django.urls import path

from holdspace.preparation.signatures import views

urlpatterns = [
    path(
        "couples/<int:couple_id>/partners/<int:partner_id>/sign/<str:document>/",
        views.sign,
        name="signature_sign",
    ),
    path(
        "couples/<int:couple_id>/signatures/<int:signature_id>.pdf",
        views.signature_pdf,
        name="signature_pdf",
    ),
]
