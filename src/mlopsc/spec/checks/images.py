"""Images: each `framework:version` the spec names exists for its use's scope, and Model Monitor has an
analyzer image in the region, by src/mlopsc/data/images.json alone (validate never imports sagemaker-core)."""

from __future__ import annotations

from mlopsc.spec.checks import CheckContext

HINT = "use `framework:version` as SageMaker publishes it, or a full ECR image URI"


def check(ctx: CheckContext) -> None:
    from mlopsc.compile import image_table
    from mlopsc.resolve.uses import collect_uses

    if not image_table.usable():  # the table is another sagemaker-core's: compile asks the installed one
        return
    for use in collect_uses(ctx.spec).values():
        try:
            if use.image is None and use.scope == "monitoring":
                from mlopsc.compile.images import analyzer_image

                analyzer_image(ctx.spec.project.region)
            elif use.image is not None and use.path[-1] == "image" and "/" not in use.image:  # as written
                image_table.check_version(use.image, use.scope)
        except image_table.ImageError as exc:
            where = use.path if use.image is not None else use.path[:-1] + ("engine",)
            ctx.error(where, "MLC230", f"image `{use.image or exc.image}`: {exc.message}", exc.hint or HINT)
