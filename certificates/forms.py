"""The public check by number: the number plus one proof the visitor holds the paper."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import certificate_number_normalise


class VerifyByNumberForm(forms.Form):
    """Number + the holder's full name or the printed check code; no look-up without a proof."""

    so = forms.CharField(label=_("Số hiệu giấy chứng nhận"), max_length=40)
    ho_ten = forms.CharField(label=_("Họ và tên người được cấp"), max_length=150, required=False)
    ma = forms.CharField(label=_("Mã kiểm tra"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        # The page's inputs are id="so", "ho_ten", "ma": the error summary links to them.
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    def clean_so(self) -> str:
        number = certificate_number_normalise(number=self.cleaned_data["so"])
        if not number:
            raise forms.ValidationError(
                _("Số hiệu gồm chữ HVS, năm và số thứ tự, ví dụ HVS-2026-000123.")
            )
        return number

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("ho_ten", "").strip() or cleaned.get("ma", "").strip()):
            raise forms.ValidationError(
                _(
                    "Hãy nhập thêm họ và tên người được cấp (đúng như in trên giấy, có dấu) "
                    "hoặc mã kiểm tra in cạnh số hiệu."
                )
            )
        return cleaned
