locals {
  # The values, later ones winning, as the controller has them
  # (bluegreen.aws.taskdef_template.template_values): the stack's, the values file, the release.
  template_values = {
    for name, value in merge(var.stack_values, var.values, {
      image   = var.image
      version = var.release_version
      color   = var.color
    }) : name => value if value != null
  }
}

################################################################################
# The definition
################################################################################

locals {
  # templatefile() reads the syntax the controller fills in: `${name}`, `$${` for a literal.
  body = jsondecode(
    var.template_file == null ? var.default_json : templatefile(var.template_file, local.template_values)
  )

  # What aws_ecs_task_definition can take from the body; anything else would be registered by
  # the controller but silently dropped here, so it is refused (see the checks in outputs.tf).
  supported_keys = [
    "family", "requiresCompatibilities", "networkMode", "cpu", "memory", "executionRoleArn",
    "taskRoleArn", "runtimePlatform", "volumes", "containerDefinitions",
  ]
  unsupported_keys = setsubtract(keys(local.body), local.supported_keys)

  containers       = try(local.body.containerDefinitions, [])
  target_container = [for c in local.containers : c if try(c.name, null) == var.container_name]
  target_ports = flatten([
    for c in local.target_container : [for m in try(c.portMappings, []) : try(m.containerPort, null)]
  ])
}
