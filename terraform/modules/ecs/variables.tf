variable "name" {
  description = "Name prefix: the cluster is <name>, the services and task families <name>-blue and <name>-green."
  type        = string
}

variable "container_name" {
  description = "Name of the service's container (the load balancer's target and the controller's container_name)."
  type        = string
  default     = "app"
}

variable "container_image" {
  description = "Image of the first task definition revisions; afterwards the controller registers revisions with each release's image."
  type        = string
}

variable "command" {
  description = "Command of the container (overrides the image's CMD); null keeps the image's."
  type        = list(string)
  default     = null
}

variable "environment" {
  description = "Plain environment variables of the container (never secrets: use secrets). PORT, AWS_REGION, APP_VERSION and DEPLOYMENT_COLOR are set by the platform."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.environment), ["PORT", "AWS_REGION", "APP_VERSION", "DEPLOYMENT_COLOR"])) == 0
    error_message = "environment must not set PORT, AWS_REGION, APP_VERSION or DEPLOYMENT_COLOR: the platform sets them (the port is the service's port)."
  }
}

variable "secrets" {
  description = "Secret environment variables: name => ARN of an SSM parameter or a Secrets Manager secret (optionally with :json-key:: suffix), resolved by the ECS agent at task start."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.secrets) : can(regex("^arn:[^:]+:(ssm|secretsmanager):", arn))])
    error_message = "secrets values must be ARNs of SSM parameters (arn:aws:ssm:...) or Secrets Manager secrets (arn:aws:secretsmanager:...)."
  }
}

variable "container_health_check" {
  description = "Optional health check run inside the container, as ECS takes it: command (starting with CMD or CMD-SHELL) and interval, timeout, retries, start_period in seconds; null runs none (the load balancer's check still gates traffic)."
  type = object({
    command      = list(string)
    interval     = optional(number, 10)
    timeout      = optional(number, 3)
    retries      = optional(number, 3)
    start_period = optional(number, 20)
  })
  default = null

  validation {
    condition     = var.container_health_check == null || try(contains(["CMD", "CMD-SHELL"], var.container_health_check.command[0]), false)
    error_message = "container_health_check.command must start with CMD or CMD-SHELL, e.g. [\"CMD\", \"/app/healthcheck\"]."
  }
}

variable "readonly_root_filesystem" {
  description = "Mount the container's root filesystem read-only (with a writable /tmp)."
  type        = bool
  default     = true
}

variable "app_version" {
  description = "APP_VERSION of the first revisions (the controller sets it per release)."
  type        = string
  default     = "0.0.0"
}

variable "app_port" {
  description = "Port the container listens on (also given to it as PORT); no default, so one value reaches every module."
  type        = number
}

variable "cpu" {
  description = "Task CPU units (a valid Fargate size with memory)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be 256, 512, 1024, 2048, 4096, 8192 or 16384 (Fargate's sizes)."
  }
}

variable "memory" {
  description = "Task memory in MiB; Fargate accepts per cpu: 256: 512-2048, 512: 1024-4096, 1024: 2048-8192, 2048: 4096-16384, 4096: 8192-30720 (steps of 1024), 8192: 16384-61440 (4096), 16384: 32768-122880 (8192)."
  type        = number
  default     = 512

  validation {
    condition = (
      var.cpu == 256 ? contains([512, 1024, 2048], var.memory) :
      var.cpu == 512 ? var.memory >= 1024 && var.memory <= 4096 && var.memory % 1024 == 0 :
      var.cpu == 1024 ? var.memory >= 2048 && var.memory <= 8192 && var.memory % 1024 == 0 :
      var.cpu == 2048 ? var.memory >= 4096 && var.memory <= 16384 && var.memory % 1024 == 0 :
      var.cpu == 4096 ? var.memory >= 8192 && var.memory <= 30720 && var.memory % 1024 == 0 :
      var.cpu == 8192 ? var.memory >= 16384 && var.memory <= 61440 && var.memory % 4096 == 0 :
      var.memory >= 32768 && var.memory <= 122880 && var.memory % 8192 == 0
    )
    error_message = "memory is not a Fargate size for this cpu (see the variable's description)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks: X86_64, or ARM64 (Graviton, about 20% cheaper per vCPU-hour; the image must be built for arm64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Tasks of the blue service at creation (green starts at 0). The default 0 needs no image in ECR yet: the first bluegreen deploy brings a colour up. Ignored afterwards: the controller owns it."
  type        = number
  default     = 0
}

variable "subnet_ids" {
  description = "Subnets the services and the migration task run in."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the tasks."
  type        = string
}

variable "assign_public_ip" {
  description = "Give each task a public IP (only the low-cost mode, where tasks sit in public subnets)."
  type        = bool
  default     = false
}

variable "blue_target_group_arn" {
  description = "Target group of the blue service."
  type        = string
}

variable "green_target_group_arn" {
  description = "Target group of the green service."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB, for the requests-per-target scaling metric."
  type        = string
}

variable "blue_target_group_arn_suffix" {
  description = "ARN suffix of the blue target group, for the requests-per-target scaling metric."
  type        = string
}

variable "green_target_group_arn_suffix" {
  description = "ARN suffix of the green target group, for the requests-per-target scaling metric."
  type        = string
}

variable "task_execution_role_arn" {
  description = "Role the ECS agent uses (image pull, logs, the secrets)."
  type        = string
}

variable "task_role_arn" {
  description = "Role the app runs as."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep the app's logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "container_insights" {
  description = "Container Insights level of the cluster."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced"], var.container_insights)
    error_message = "container_insights must be enabled or enhanced."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing load balancer checks of a new task (a slow start, or a fresh database that takes a minute to accept connections)."
  type        = number
  default     = 60
}

variable "autoscaling_max_capacity" {
  description = "Most tasks autoscaling may run per colour."
  type        = number
  default     = 6
}

variable "cpu_target_percent" {
  description = "Average CPU the CPU policy keeps each colour at."
  type        = number
  default     = 60
}

variable "requests_per_target" {
  description = "ALB requests per minute per task the request policy keeps each colour at."
  type        = number
  default     = 1000
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "task_definition_template" {
  description = "Path of the task-definition template the controller renders for every release (docs/task-definition-template.md); the first revisions are registered from it too. Null: built from this module's container inputs."
  type        = string
  default     = null
}

variable "task_definition_values" {
  description = "The template's values (the controller's aws.task_definition_values file, e.g. jsondecode(file(\"values.json\"))); numbers and booleans are written as text, as the controller writes them."
  type        = map(string)
  default     = {}
}

variable "task_definition_stack_values" {
  description = "More values the rest of the stack gives a task-definition template (the database's address, user, password parameter...), named as the Terraform outputs the controller fills the same template with."
  type        = map(string)
  default     = {}
}
