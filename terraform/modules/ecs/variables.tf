variable "name" {
  description = "Name prefix: the cluster is <name>, the services and task families <name>-blue and <name>-green."
  type        = string
}

variable "container_image" {
  description = "Image of the first task definition revisions; afterwards the controller registers revisions with each release's image."
  type        = string
}

variable "app_version" {
  description = "APP_VERSION of the first revisions (the controller sets it per release)."
  type        = string
  default     = "0.0.0"
}

variable "app_port" {
  description = "Port the app container listens on."
  type        = number
  default     = 8000
}

variable "cpu" {
  description = "Task CPU units (a valid Fargate size with memory)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.cpu)
    error_message = "cpu must be 256, 512, 1024, 2048 or 4096."
  }
}

variable "memory" {
  description = "Task memory in MiB (a valid Fargate size with cpu)."
  type        = number
  default     = 512
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
  description = "Role the ECS agent uses (image pull, logs, the DB password secret)."
  type        = string
}

variable "task_role_arn" {
  description = "Role the app runs as."
  type        = string
}

variable "db_host" {
  description = "DB_HOST for the app."
  type        = string
}

variable "db_port" {
  description = "DB_PORT for the app."
  type        = number
  default     = 5432
}

variable "db_name" {
  description = "DB_NAME for the app."
  type        = string
}

variable "db_user" {
  description = "DB_USER for the app."
  type        = string
}

variable "db_password_parameter_arn" {
  description = "SecureString parameter the ECS agent injects as DB_PASSWORD."
  type        = string
}

variable "db_password_parameter_name" {
  description = "Name of the same parameter, given to the app as DB_PASSWORD_SSM_PARAM so it can re-read it after a rotation."
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
  description = "Seconds ECS ignores failing load balancer checks of a new task (a fresh database can take a minute to accept connections)."
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
