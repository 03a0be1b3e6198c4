"""scripts/terraform_schema.py reads the Terraform AWS provider's schemas as the fact set needs them: which
attributes force a replace (SDK `ForceNew`, framework `RequiresReplace()`), which are arguments.

The Go below is written for these tests in the provider's styles (SDK resources, plugin-framework
resources annotated by name as since 2025, or named by their Metadata method as before); the real
provider at the recorded commit reproduces tests/reference/terraform-forcenew.json byte for byte
(`python scripts/gen_replacement.py --terraform GIT_DIR --ref COMMIT`)."""

from __future__ import annotations

import importlib.util
import subprocess

import pytest
from helpers import ROOT

NAMES = '''package names

const (
	AttrBucket = "bucket"
	AttrID     = "id"
	AttrName   = "name"
	AttrTags   = "tags"
)
'''

SDK = '''package widgets

// @SDKResource("aws_widget", name="Widget")
func resourceWidget() *schema.Resource {
	return &schema.Resource{
		SchemaFunc: func() map[string]*schema.Schema {
			return map[string]*schema.Schema{
				names.AttrName: {
					Type:     schema.TypeString,
					Required: true,
					ForceNew: true,
				},
				"size": {
					Type:     schema.TypeInt,
					Optional: true,
				},
				"arn": {
					Type:     schema.TypeString,
					Computed: true,
				},
				"shape": {
					Type:     schema.TypeList,
					Optional: true,
					Elem: &schema.Resource{
						Schema: map[string]*schema.Schema{
							"sides": {Type: schema.TypeInt, Required: true, ForceNew: true},
							"colour": {Type: schema.TypeString, Optional: true},
						},
					},
				},
				"labels": {
					Type:     schema.TypeList,
					Optional: true,
					ForceNew: true,
					Elem:     &schema.Schema{Type: schema.TypeString},
				},
				names.AttrTags:    tftags.TagsSchema(),
			}
		},
	}
}
'''

FRAMEWORK = '''package widgets

// @FrameworkResource("aws_gadget", name="Gadget")
func newGadgetResource(context.Context) (resource.ResourceWithConfigure, error) {
	return &gadgetResource{}, nil
}

func (r *gadgetResource) Schema(ctx context.Context, request resource.SchemaRequest, response *resource.SchemaResponse) {
	partsBlock := schema.ListNestedBlock{
		NestedObject: schema.NestedBlockObject{
			Attributes: map[string]schema.Attribute{
				"serial": schema.StringAttribute{
					Required: true,
					PlanModifiers: []planmodifier.String{
						stringplanmodifier.RequiresReplace(),
					},
				},
				"finish": schema.StringAttribute{Optional: true},
			},
		},
	}
	response.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			names.AttrBucket: schema.StringAttribute{
				Required: true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplace(),
				},
			},
			"owner": schema.StringAttribute{
				Optional: true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplaceIf(ownerChanged, "", ""),
				},
			},
			"note": schema.StringAttribute{Optional: true},
			names.AttrID: framework.IDAttribute(),
			names.AttrTags: tftags.TagsAttribute(),
		},
		Blocks: map[string]schema.Block{
			"parts": partsBlock,
			"frame": schema.SingleNestedBlock{
				Attributes: map[string]schema.Attribute{
					"depth": schema.Int64Attribute{
						Optional: true,
						PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
					},
				},
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true}),
		},
	}
}
'''

OLD_FRAMEWORK = '''package widgets

// @FrameworkResource(name="Gizmo")
func newGizmoResource(context.Context) (resource.ResourceWithConfigure, error) {
	return &gizmoResource{}, nil
}

func (r *gizmoResource) Metadata(_ context.Context, request resource.MetadataRequest, response *resource.MetadataResponse) {
	response.TypeName = "aws_gizmo"
}

func (r *gizmoResource) Schema(ctx context.Context, request resource.SchemaRequest, response *resource.SchemaResponse) {
	response.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			names.AttrName: schema.StringAttribute{
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"colour": schema.StringAttribute{Optional: true},
		},
	}
}
'''


def module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """A provider checkout (a git work tree, as the script reads it) holding the three resources."""
    root = tmp_path_factory.mktemp("provider")
    for path, text in {"names/attr_consts_gen.go": NAMES, "internal/service/widgets/widget.go": SDK,
                       "internal/service/widgets/gadget.go": FRAMEWORK, "internal/service/widgets/gizmo.go": OLD_FRAMEWORK,
                       "internal/service/widgets/widget_test.go": "package widgets\n"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "provider"], check=True)
    return root


def attributes(provider, resource: str) -> dict:
    schema = module("terraform_schema")
    source = schema.Source(str(provider), "HEAD")
    return schema.schema_attributes(source, resource, schema.constants(source))


def test_an_sdk_resource_forces_what_says_forcenew_and_lists_its_arguments(provider):
    file, _, found = attributes(provider, "aws_widget")
    assert file == "internal/service/widgets/widget.go"
    assert {path for path, (force, _) in found.items() if force} == {"name", "shape.sides", "labels"}
    assert {path for path, (_, argument) in found.items() if argument} == {
        "name", "size", "shape", "shape.sides", "shape.colour", "labels", "tags"}


def test_a_framework_resource_forces_what_requires_replace(provider):
    file, _, found = attributes(provider, "aws_gadget")
    assert file == "internal/service/widgets/gadget.go"
    # a conditional RequiresReplaceIf is not counted; timeouts are no input; the id is computed only
    assert {path for path, (force, _) in found.items() if force} == {"bucket", "parts.serial", "frame.depth"}
    assert {path for path, (_, argument) in found.items() if argument} == {
        "bucket", "owner", "note", "tags", "parts", "parts.serial", "parts.finish", "frame", "frame.depth"}
    assert found["id"] == (False, False) and "timeouts" not in found


def test_a_framework_resource_named_by_its_metadata_method_is_found(provider):
    file, _, found = attributes(provider, "aws_gizmo")
    assert file == "internal/service/widgets/gizmo.go" and found == {"name": (True, True), "colour": (False, True)}


def test_the_fact_set_keeps_the_topmost_forced_path_and_what_updates(provider):
    gen = module("gen_replacement")
    schema = module("terraform_schema")
    facts = gen.extract(schema.Source(str(provider), "HEAD"), "example/provider", ["aws_widget", "aws_gadget"])
    head = subprocess.run(["git", "-C", str(provider), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert facts["commit"] == head.strip() and facts["repository"] == "example/provider"
    widget, gadget = facts["resources"]["aws_widget"], facts["resources"]["aws_gadget"]
    assert widget["force_new"] == ["labels", "name", "shape.sides"] and widget["updates"] == ["shape.colour", "size", "tags"]
    assert widget["blob"] == subprocess.run(["git", "-C", str(provider), "rev-parse", "HEAD:internal/service/widgets/widget.go"],
                                            capture_output=True, text=True).stdout.strip()
    assert gadget["force_new"] == ["bucket", "frame.depth", "parts.serial"]
    assert gadget["updates"] == ["note", "owner", "parts.finish", "tags"]


def test_a_resource_the_provider_lacks_or_the_reader_cannot_follow_stops_with_its_name(provider, tmp_path):
    gen = module("gen_replacement")
    schema = module("terraform_schema")
    with pytest.raises(SystemExit, match="aws_nothing: no resource of that name"):
        gen.extract(schema.Source(str(provider), "HEAD"), "example/provider", ["aws_nothing"])
    package = schema.Package("package widgets\n", {})
    with pytest.raises(ValueError, match="cannot find"):
        package.literal("elsewhere.Helper()")
