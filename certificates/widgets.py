"""Admin widgets that survive hostile form data."""

from wagtail.images.widgets import AdminImageChooser

from accounts.ids import parse_id


class ImageChooser(AdminImageChooser):
    """Wagtail's image chooser. When a refused form is shown again with a posted id that
    is no id at all ("abc"), it shows "no image" instead of failing with a 500."""

    def get_instance(self, value):
        if value is None or isinstance(value, self.model_class):
            return super().get_instance(value)
        image_id = parse_id(value)
        return super().get_instance(image_id) if image_id is not None else None
