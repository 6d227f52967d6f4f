output "body_json" {
  description = "The whole definition (JSON), as the controller renders it for the same values (before it sets --env)."
  value       = jsonencode(local.body)
}

output "family" {
  description = "The task definition family."
  value       = local.body.family
}

output "requires_compatibilities" {
  description = "Launch types (default FARGATE)."
  value       = try(local.body.requiresCompatibilities, ["FARGATE"])
}

output "network_mode" {
  description = "Network mode (default awsvpc)."
  value       = try(local.body.networkMode, "awsvpc")
}

output "cpu" {
  description = "Task CPU units, as text."
  value       = try(tostring(local.body.cpu), null)
}

output "memory" {
  description = "Task memory (MiB), as text."
  value       = try(tostring(local.body.memory), null)
}

output "execution_role_arn" {
  description = "The execution role (pulls the image, reads the secrets, writes the logs)."
  value       = try(local.body.executionRoleArn, null)
}

output "task_role_arn" {
  description = "The role the application's own AWS calls use."
  value       = try(local.body.taskRoleArn, null)
}

output "runtime_platform" {
  description = "The runtime platform as a list of zero or one {operating_system_family, cpu_architecture}."
  value = [for p in try([local.body.runtimePlatform], []) : {
    operating_system_family = try(p.operatingSystemFamily, null)
    cpu_architecture        = try(p.cpuArchitecture, null)
  }]
}

output "volume_names" {
  description = "The task's volumes (task storage, by name)."
  value       = [for v in try(local.body.volumes, []) : v.name]

  precondition {
    condition     = alltrue([for v in try(local.body.volumes, []) : length(setsubtract(keys(v), ["name"])) == 0])
    error_message = "Only volumes with a name alone (task storage) can be registered by Terraform from the template."
  }
}

output "container_definitions" {
  description = "The container definitions (JSON), for aws_ecs_task_definition."
  value       = jsonencode(local.containers)

  precondition {
    condition     = length(local.unsupported_keys) == 0
    error_message = "The task-definition template sets ${join(", ", sort(local.unsupported_keys))}, which Terraform's aws_ecs_task_definition does not take from it: use only ${join(", ", local.supported_keys)}."
  }

  precondition {
    condition     = length(local.target_container) == 1 && contains(local.target_ports, var.container_port)
    error_message = "The task definition needs one container named ${var.container_name} mapping port ${var.container_port} (the load balancer's target)."
  }
}
