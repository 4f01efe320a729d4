"""StreamField blocks for lessons: what an editor needs to teach phone skills.

Each block renders with its own template in templates/courses/blocks/.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link"]

# The groups of Wagtail's block chooser, so an editor finds a block by what it is for.
TEXT = _("Chữ")
MEDIA = _("Hình ảnh và video")
PRACTICE = _("Thực hành")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("ảnh"))
    alt = blocks.CharBlock(
        label=_("mô tả ảnh cho người không nhìn thấy"), max_length=200, required=False
    )
    caption = blocks.CharBlock(label=_("chú thích"), max_length=250, required=False)

    class Meta:
        icon = "image"
        label = _("Ảnh có chú thích")
        template = "courses/blocks/image.html"
        group = MEDIA
        description = _("Một ảnh rộng hết màn hình điện thoại, có mô tả và chú thích.")
        # No image in the preview: the chooser shows what the caption looks like.
        preview_value = {"alt": "", "caption": _("Màn hình chính của điện thoại")}


class StepBlock(blocks.StructBlock):
    text = blocks.RichTextBlock(label=_("việc cần làm"), features=TEXT_FEATURES)
    screenshot = ImageChooserBlock(label=_("ảnh chụp màn hình"), required=False)


class StepsBlock(blocks.ListBlock):
    def __init__(self, **kwargs):
        super().__init__(StepBlock(), **kwargs)

    class Meta:
        icon = "list-ol"
        label = _("Các bước làm theo")
        template = "courses/blocks/steps.html"
        group = PRACTICE
        description = _("Các việc cần làm theo thứ tự, mỗi bước có thể kèm ảnh chụp màn hình.")
        preview_value = [
            {"text": _("<p>Mở ứng dụng Cài đặt.</p>")},
            {"text": _("<p>Chọn Wi-Fi và bật lên.</p>")},
        ]


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("loại"),
        choices=[("tip", _("Mẹo")), ("warning", _("Cảnh báo"))],
        default="tip",
    )
    text = blocks.RichTextBlock(label=_("nội dung"), features=TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Mẹo / cảnh báo")
        template = "courses/blocks/callout.html"
        group = TEXT
        description = _("Một mẹo nhỏ, hoặc một cảnh báo về an toàn, nổi bật trong bài.")
        preview_value = {
            "kind": "warning",
            "text": _("<p>Không bao giờ đọc mã OTP cho người khác.</p>"),
        }


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("đường dẫn video"))
    transcript = blocks.RichTextBlock(
        label=_("nội dung video bằng chữ"),
        features=TEXT_FEATURES,
        help_text=_("Bắt buộc: cho người không xem được video hoặc mạng yếu."),
    )

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"
        group = MEDIA
        description = _("Một video nhúng, kèm nội dung bằng chữ cho người không xem được.")
        # No video in the preview: an embed would be fetched from its site.
        preview_value = {"transcript": _("<p>Nội dung video bằng chữ.</p>")}


class TryItBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("tiêu đề"), max_length=120)
    url = blocks.URLBlock(label=_("đường dẫn"))
    description = blocks.TextBlock(label=_("mô tả ngắn"), required=False)

    class Meta:
        icon = "link-external"
        label = _("Tự làm thử")
        template = "courses/blocks/try_it.html"
        group = PRACTICE
        description = _("Một đường dẫn để người học tự làm thử trên trang thật.")
        preview_value = {
            "title": _("Thử tra cứu thủ tục"),
            "url": "https://dichvucong.gov.vn/",
            "description": _("Mở Cổng Dịch vụ công quốc gia và tìm một thủ tục."),
        }


class CheckChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("lựa chọn"), max_length=250)
    correct = blocks.BooleanBlock(label=_("đúng"), required=False)


class CheckBlock(blocks.StructBlock):
    """A quick self-check inside a lesson; not graded, the answer opens without JavaScript."""

    question = blocks.CharBlock(label=_("câu hỏi"), max_length=300)
    choices = blocks.ListBlock(CheckChoiceBlock(), label=_("các lựa chọn"), min_num=2)
    explanation = blocks.TextBlock(label=_("giải thích"))

    class Meta:
        icon = "help"
        label = _("Câu hỏi tự kiểm tra")
        template = "courses/blocks/check.html"
        group = PRACTICE
        description = _("Một câu hỏi nhanh không tính điểm; người học tự mở đáp án.")
        preview_value = {
            "question": _("Có nên cho người lạ biết mã PIN?"),
            "choices": [
                {"text": _("Không"), "correct": True},
                {"text": _("Có"), "correct": False},
            ],
            "explanation": _("Mã PIN bảo vệ điện thoại của bạn."),
        }


class LessonStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Tiêu đề mục"),
        max_length=120,
        template="courses/blocks/heading.html",
        icon="title",
        group=TEXT,
        description=_("Tên một phần của bài học, để người học biết mình đang ở đâu."),
        preview_value=_("Mở khóa màn hình"),
    )
    paragraph = blocks.RichTextBlock(
        label=_("Đoạn văn"),
        features=TEXT_FEATURES,
        template="courses/blocks/paragraph.html",
        group=TEXT,
        description=_("Một đoạn chữ ngắn, câu đơn giản, có thể in đậm và có đường dẫn."),
        preview_value=_("<p>Nhấn nút nguồn ở cạnh phải điện thoại để mở màn hình.</p>"),
    )
    image = ImageBlock()
    steps = StepsBlock()
    callout = CalloutBlock()
    video = VideoBlock()
    try_it = TryItBlock()
    check = CheckBlock()
