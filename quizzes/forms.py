"""Admin validation of quizzes: every question must be answerable."""

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm


def question_errors(kind: str, choices: list[tuple[str, bool]]) -> list[str]:
    """What is wrong with a question of this kind and these (text, correct) choices."""
    errors = []
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if len(choices) < 2:
        errors.append(_("Câu hỏi cần ít nhất hai lựa chọn."))
    if correct == 0:
        errors.append(_("Câu hỏi cần ít nhất một lựa chọn đúng."))
    if kind in ("single", "true_false") and correct > 1:
        errors.append(_("Câu hỏi một đáp án chỉ được có đúng một lựa chọn đúng."))
    if kind == "true_false" and len(choices) != 2:
        errors.append(_("Câu hỏi Đúng/Sai phải có đúng hai lựa chọn."))
    return errors


class QuizPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        kept = 0
        for form in self.formsets["questions"].forms:
            if not form.is_valid() or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            kept += 1
            choice_forms = form.formsets["choices"].forms
            choices = [
                (f.cleaned_data.get("text", ""), bool(f.cleaned_data.get("is_correct")))
                for f in choice_forms
                if f.is_valid() and f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            for error in question_errors(form.cleaned_data.get("kind", "single"), choices):
                form.add_error(None, error)
        if kept == 0:
            self.add_error(None, _("Bài kiểm tra cần ít nhất một câu hỏi."))
        return cleaned
