################################################################################
# The environment
################################################################################

variable "name" {
  description = "Name prefix of every resource, e.g. bluegreen-prod (at most 26 characters: the target groups append -blue/-green)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,25}$", var.name))
    error_message = "name must be 1 to 26 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "github" {
  description = "The GitHub repository (owner/name) and the GitHub environments whose jobs may assume each role: deploy_environments (deploy, promote, rollback), terraform_environments (plan and apply), outputs_reader_environments (read the outputs; default: deploy_environments); oidc_provider_arn only if the account's provider is not the one terraform/bootstrap creates."
  type = object({
    repository                  = string
    deploy_environments         = list(string)
    terraform_environments      = list(string)
    outputs_reader_environments = optional(list(string))
    oidc_provider_arn           = optional(string)
  })
}

variable "state" {
  description = "Where this environment's Terraform state lives (terraform/bootstrap's outputs): bucket_arn, key (the backend's key) and kms_key_arn (null for SSE-S3)."
  type = object({
    bucket_arn  = string
    key         = string
    kms_key_arn = optional(string)
  })
}

variable "domain_name" {
  description = "Public host name of the service; null serves plain HTTP on the ALB's own DNS name (no certificate, no DNS records)."
  type        = string
  default     = null
}

variable "route53_zone_id" {
  description = "Public hosted zone of domain_name: the certificate is issued and validated in it and an alias record points at the ALB; null with domain_name needs certificate_arn."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "An existing ACM certificate for domain_name; null issues one in route53_zone_id."
  type        = string
  default     = null
}

variable "network" {
  description = "az_count (2-4), task_egress (nat_gateway, vpc_endpoints or public_ip: the low-cost mode, tasks in public subnets) and single_nat_gateway."
  type = object({
    az_count           = optional(number, 2)
    task_egress        = optional(string, "nat_gateway")
    single_nat_gateway = optional(bool, true)
  })
  default = {}
}

variable "test_listener" {
  description = "Optional test listener on the idle colour for `bluegreen deploy --smoke`: its port (1024-65535) and the IPv4 ranges allowed to reach it; null creates none."
  type = object({
    port  = number
    cidrs = list(string)
  })
  default = null
}

variable "deletion_protection" {
  description = "Protect the ALB, the database, the deployment table and the images from deletion (off only for environments you destroy)."
  type        = bool
  default     = true
}

variable "access_logs_enabled" {
  description = "Write ALB access logs to an S3 bucket."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "Email subscribed to an encrypted SNS topic that receives the alarms; null creates no topic."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# The service
################################################################################

variable "service" {
  description = <<-EOT
    The container to run, any image: name (the ECR repository is <name>/<service name>), port (the
    one place it is set: security groups, target groups, the container and its PORT variable),
    image (of the first revision; null = <repository>:initial), command, environment, secrets
    (name => SSM parameter or Secrets Manager ARN) and the customer managed KMS keys they use,
    health_check (the target groups': path, matcher, interval), container_health_check (a command
    run in the container, optional), cpu, memory, cpu_architecture (X86_64 or ARM64),
    readonly_root_filesystem, container_name, health_check_grace_period, task_role_policy_json
    (what else the service may do in AWS), keep_last_images (ECR), task_definition_template and
    task_definition_values (the template file the controller renders for every release, and its
    values: the first revisions are registered from it, and the container inputs above are then
    not used for them; docs/task-definition-template.md).
  EOT
  type = object({
    name                = string
    port                = number
    image               = optional(string)
    command             = optional(list(string))
    environment         = optional(map(string), {})
    secrets             = optional(map(string), {})
    secret_kms_key_arns = optional(list(string), [])
    health_check = optional(object({
      path     = optional(string, "/health")
      matcher  = optional(string, "200")
      interval = optional(number, 5)
    }), {})
    container_health_check = optional(object({
      command      = list(string)
      interval     = optional(number, 10)
      timeout      = optional(number, 3)
      retries      = optional(number, 3)
      start_period = optional(number, 20)
    }))
    cpu                       = optional(number, 256)
    memory                    = optional(number, 512)
    cpu_architecture          = optional(string, "X86_64")
    readonly_root_filesystem  = optional(bool, true)
    container_name            = optional(string, "app")
    health_check_grace_period = optional(number, 60)
    task_role_policy_json     = optional(string)
    keep_last_images          = optional(number, 30)
    task_definition_template  = optional(string)
    task_definition_values    = optional(map(string), {})
  })

  validation {
    condition     = var.service.port >= 1 && var.service.port <= 65535 && floor(var.service.port) == var.service.port
    error_message = "service.port must be a port number between 1 and 65535."
  }

  validation {
    condition     = length(setintersection(keys(var.service.environment), keys(var.service.secrets))) == 0
    error_message = "service.environment and service.secrets must not name the same variable."
  }

  validation {
    condition     = var.database == null || length(setintersection(concat(keys(var.service.environment), keys(var.service.secrets)), ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_PASSWORD_SSM_PARAM"])) == 0
    error_message = "With a database, the platform sets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD and DB_PASSWORD_SSM_PARAM: remove them from service.environment and service.secrets."
  }
}

variable "scaling" {
  description = "Autoscaling of each colour: max_capacity, cpu_target_percent and requests_per_target (per minute)."
  type = object({
    max_capacity        = optional(number, 6)
    cpu_target_percent  = optional(number, 60)
    requests_per_target = optional(number, 1000)
  })
  default = {}
}

variable "database" {
  description = "An optional PostgreSQL database (RDS): instance_class, multi_az, backup_retention_days, iam_authentication, engine_major_version, db_name, username. The container then gets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD_SSM_PARAM and the secret DB_PASSWORD. null: no database, no DB_* variables, no database secret."
  type = object({
    instance_class        = optional(string, "db.t4g.micro")
    multi_az              = optional(bool, true)
    backup_retention_days = optional(number, 7)
    iam_authentication    = optional(bool, true)
    engine_major_version  = optional(string, "16")
    db_name               = optional(string, "app")
    username              = optional(string, "app_admin")
  })
  default = null
}
