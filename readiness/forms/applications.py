from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from readiness.forms.mixins import UniqueWhereTypedMixin, model_choices
from readiness.forms.widgets import DateInput
from readiness.models import Application
from readiness.models.applications import BUSINESS_OWNER_ROLE_NEEDED
from readiness.permissions import can
from readiness.roles import Role


class ApplicationForm(UniqueWhereTypedMixin, forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "name", "slug", "description", "current_release", "go_live_date", "stage", "owner_team", "delivery_lead",
            "business_owner", "support_lead", "members", "synonyms",
        ]
        widgets = {
            "go_live_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "synonyms": forms.Textarea(attrs={"rows": 4, "placeholder": "not showing up = not syncing = missing"}),
        }
        labels = {"synonyms": "Synonyms for symptom matching"}
        help_texts = {"slug": "Short name used in addresses, e.g. ordering-portal."}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        for name in ["delivery_lead", "business_owner", "support_lead", "members"]:
            model_choices(self, name).queryset = users
            model_choices(self, name).label_from_instance = lambda u: u.get_full_name() or u.get_username()  # type: ignore[method-assign,assignment]  # per instance
        # Separation of duties: offered are holders of the Business owner role (and whoever holds
        # the post now); anyone else posted is refused beside the field, in plain words.
        owner = model_choices(self, "business_owner")
        owner.queryset = users.filter(
            Q(groups__name=Role.BUSINESS_OWNER) | Q(pk=self.instance.business_owner_id)
        ).distinct()
        owner.error_messages["invalid_choice"] = BUSINESS_OWNER_ROLE_NEEDED
        self.may_hand_over = self.instance.pk is None or (
            user is not None and can(user, "hypercare.hand_over_ownership", self.instance)
        )
        if not self.may_hand_over:
            owner.disabled = True
            owner.help_text = (
                "Only the current business owner or an administrator can hand business ownership on: "
                "the person who signs hypercare off is not chosen by the team being signed off."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A disabled field keeps its stored value whatever is posted; say so if someone tried.
        posted = self.data.get(self.add_prefix("business_owner"))
        if not self.may_hand_over and posted and posted != str(self.instance.business_owner_id or ""):
            self.add_error("business_owner", "Only the current business owner or an administrator can change this.")
        return cleaned
