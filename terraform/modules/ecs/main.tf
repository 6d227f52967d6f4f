data "aws_region" "current" {}

locals {
  log_group_name = "/ecs/${var.name}"

  # What every container gets from the platform, next to the service's own environment:
  # PORT (the one port of the service), AWS_REGION, APP_VERSION (the controller sets it per
  # release) and DEPLOYMENT_COLOR (per family, below).
  platform_environment = {
    APP_VERSION = var.app_version
    AWS_REGION  = data.aws_region.current.region
    PORT        = tostring(var.app_port)
  }

  # Optional parts of the container definition, absent rather than null when unset.
  container_options = merge(
    var.command == null ? {} : { command = var.command },
    var.container_health_check == null ? {} : {
      healthCheck = {
        command     = var.container_health_check.command
        interval    = var.container_health_check.interval
        timeout     = var.container_health_check.timeout
        retries     = var.container_health_check.retries
        startPeriod = var.container_health_check.start_period
      }
    },
    # A read-only root filesystem keeps a compromised process from changing the image's files;
    # /tmp stays writable (gunicorn and most runtimes need one).
    var.readonly_root_filesystem ? {
      mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    } : {},
  )

  colors = {
    blue = {
      target_group_arn        = var.blue_target_group_arn
      target_group_arn_suffix = var.blue_target_group_arn_suffix
      # Blue is the live colour at creation (the live-colour parameter starts at blue).
      initial_count = var.desired_count
    }
    green = {
      target_group_arn        = var.green_target_group_arn
      target_group_arn_suffix = var.green_target_group_arn_suffix
      initial_count           = 0
    }
  }
}

################################################################################
# Cluster
################################################################################

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = var.tags
}

################################################################################
# Logs
################################################################################

module "logs_key" {
  source = "../kms"

  name            = "${var.name}-ecs-logs"
  description     = "${var.name} ECS task logs"
  log_group_names = [local.log_group_name]

  tags = var.tags
}

# The key used to be a resource of this module: keep it (and the logs it encrypts).
moved {
  from = aws_kms_key.logs
  to   = module.logs_key.aws_kms_key.this
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = module.logs_key.key_arn

  tags = var.tags
}

################################################################################
# Task definitions
################################################################################

locals {
  # What the stack gives a task-definition template, under the names of the Terraform outputs
  # the controller fills the same template with (docs/task-definition-template.md).
  template_stack_values = merge(var.task_definition_stack_values, {
    aws_region         = data.aws_region.current.region
    container_name     = var.container_name
    container_port     = tostring(var.app_port)
    execution_role_arn = var.task_execution_role_arn
    task_role_arn      = var.task_role_arn
    log_group_name     = aws_cloudwatch_log_group.this.name
  })

  # Without a template: the definition built from this module's inputs, in the same JSON form.
  built_definitions = { for color in keys(local.colors) : color => jsonencode({
    family                  = "${var.name}-${color}"
    requiresCompatibilities = ["FARGATE"]
    networkMode             = "awsvpc"
    cpu                     = tostring(var.cpu)
    memory                  = tostring(var.memory)
    executionRoleArn        = var.task_execution_role_arn
    taskRoleArn             = var.task_role_arn
    runtimePlatform         = { operatingSystemFamily = "LINUX", cpuArchitecture = var.cpu_architecture }
    volumes                 = [{ name = "tmp" }]
    containerDefinitions = [merge(local.container_options, {
      name                   = var.container_name
      image                  = var.container_image
      essential              = true
      readonlyRootFilesystem = var.readonly_root_filesystem
      portMappings           = [{ containerPort = var.app_port, protocol = "tcp" }]
      linuxParameters        = { initProcessEnabled = true }
      environment = [
        for name, value in merge(var.environment, local.platform_environment, { DEPLOYMENT_COLOR = color }) :
        { name = name, value = value }
      ]
      # The agent resolves each SSM parameter or Secrets Manager secret at task start with the
      # execution role: no secret value is ever in the task definition or the state.
      secrets = [for name, arn in var.secrets : { name = name, valueFrom = arn }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = data.aws_region.current.region
          awslogs-stream-prefix = color
        }
      }
    })]
  }) }
}

# The first revision of each colour: the template the controller renders for every release
# (one source of truth, as ecspresso has it), filled in with the same names; or, without a
# template, the definition built above.
module "task_definition" {
  source   = "../task_definition"
  for_each = local.colors

  template_file   = var.task_definition_template
  values          = var.task_definition_values
  stack_values    = local.template_stack_values
  default_json    = local.built_definitions[each.key]
  image           = var.container_image
  release_version = var.app_version
  color           = each.key
  container_name  = var.container_name
  container_port  = var.app_port
}

# One family per colour so each service's revisions carry its own DEPLOYMENT_COLOR. The migration
# (when the controller is given a migrate command) runs as a one-off RunTask of the idle colour's
# revision with the command overridden and the service's own network configuration.
resource "aws_ecs_task_definition" "this" {
  for_each = local.colors

  family                   = module.task_definition[each.key].family
  requires_compatibilities = module.task_definition[each.key].requires_compatibilities
  network_mode             = module.task_definition[each.key].network_mode
  cpu                      = module.task_definition[each.key].cpu
  memory                   = module.task_definition[each.key].memory
  execution_role_arn       = module.task_definition[each.key].execution_role_arn
  task_role_arn            = module.task_definition[each.key].task_role_arn
  # The controller registers later revisions of these families; replacing the Terraform revision
  # must not deregister one a service may still run.
  skip_destroy = true

  dynamic "runtime_platform" {
    for_each = module.task_definition[each.key].runtime_platform
    content {
      operating_system_family = runtime_platform.value.operating_system_family
      cpu_architecture        = runtime_platform.value.cpu_architecture
    }
  }

  dynamic "volume" {
    for_each = module.task_definition[each.key].volume_names
    content {
      name = volume.value
    }
  }

  container_definitions = module.task_definition[each.key].container_definitions

  tags = merge(var.tags, { Color = each.key })
}

################################################################################
# Services
################################################################################

resource "aws_ecs_service" "this" {
  # checkov:skip=CKV_AWS_333:assign_public_ip is true only in the low-cost mode (tasks in public subnets, no NAT); prod keeps tasks private.
  for_each = local.colors

  name                               = "${var.name}-${each.key}"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.this[each.key].arn
  desired_count                      = each.value.initial_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = var.health_check_grace_period_seconds
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  enable_execute_command             = false

  # A revision whose tasks never turn healthy is rolled back by ECS instead of retrying forever.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = var.assign_public_ip
  }

  # The ARN comes from the alb module's output, which depends on the listeners: ECS refuses a
  # service whose target group is not yet attached to a load balancer.
  load_balancer {
    target_group_arn = each.value.target_group_arn
    container_name   = var.container_name
    container_port   = var.app_port
  }

  # The controller owns both after creation: it scales the idle colour up and the old one to 0,
  # and registers each release's revision. Without this every apply would undo the last deploy
  # or fight a scaling in progress (the seed's issue 8). A change to the template (or to the
  # inputs above) registers a new revision here that no service runs: the next deploy renders
  # the same template and registers what the service then runs.
  lifecycle {
    ignore_changes = [desired_count, task_definition]
  }

  tags = merge(var.tags, { Color = each.key })
}

################################################################################
# Autoscaling
################################################################################

# min_capacity 0 so the controller's scale-to-zero of the idle colour stands; autoscaling only
# acts on a colour that runs tasks.
resource "aws_appautoscaling_target" "this" {
  for_each = local.colors

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"
  min_capacity       = 0
  max_capacity       = var.autoscaling_max_capacity

  # The controller suspends dynamic scaling of both colours during a deployment and resumes it
  # after (RegisterScalableTarget with SuspendedState); Terraform never writes that setting.
  lifecycle {
    ignore_changes = [suspended_state]
  }

  tags = var.tags
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = local.colors

  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  for_each = local.colors

  name               = "${var.name}-${each.key}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_out_cooldown = 60
    # Scale-out only: a quiet night would otherwise drive the request policy towards 0 tasks.
    # Scale-in is left to the CPU policy, which never asks for 0 while a task runs.
    disable_scale_in = true

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${each.value.target_group_arn_suffix}"
    }
  }
}
