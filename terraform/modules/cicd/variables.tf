variable "name" {
  description = "Name prefix of the roles, e.g. bluegreen-prod; the Terraform role may manage IAM roles under this prefix only."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository allowed to assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name, without wildcards."
  }
}

variable "deploy_environments" {
  description = "GitHub environments whose jobs may assume the deploy role (e.g. prod and a separate prod-promote gate); their protection rules gate every deploy."
  type        = list(string)

  validation {
    condition     = length(var.deploy_environments) > 0 && alltrue([for e in var.deploy_environments : can(regex("^[A-Za-z0-9_.-]+$", e))])
    error_message = "deploy_environments must name at least one GitHub environment, without wildcards."
  }
}

variable "outputs_reader_environments" {
  description = "GitHub environments whose jobs may assume the outputs-reader role; null means deploy_environments."
  type        = list(string)
  default     = null
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider (created once per account by terraform/bootstrap)."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the roles (the terraform_role module's): the Terraform role may only create or change roles that carry it."
  type        = string
}

variable "state_bucket_arn" {
  description = "ARN of the Terraform state bucket (the outputs reader reads this environment's state there)."
  type        = string
}

variable "state_key" {
  description = "Key of this environment's state object in the state bucket (the backend's key); the outputs-reader role may read that object only."
  type        = string
}

variable "state_kms_key_arn" {
  description = "KMS key encrypting the state bucket (terraform/bootstrap's state_kms_key_arn); null when the bucket uses SSE-S3."
  type        = string
  default     = null
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster."
  type        = string
}

variable "service_arns" {
  description = "ARNs of the blue and green ECS services."
  type        = list(string)
}

variable "task_definition_families" {
  description = "Task definition families the controller registers revisions in and runs the migration from."
  type        = list(string)
}

variable "task_role_arn" {
  description = "Task role the controller passes to new task definition revisions."
  type        = string
}

variable "task_execution_role_arn" {
  description = "Task execution role the controller passes to new task definition revisions."
  type        = string
}

variable "listener_arn" {
  description = "Production listener whose weights the controller switches."
  type        = string
}

variable "test_listener_arn" {
  description = "Test listener the controller points at the idle colour; null when there is none."
  type        = string
  default     = null
}

variable "scalable_target_arns" {
  description = "ARNs of the blue and green services' scalable targets (the controller suspends and resumes their scale-in)."
  type        = list(string)
}

variable "alarm_arns" {
  description = "Alarms the controller watches."
  type        = list(string)
}

variable "deploy_table_arn" {
  description = "DynamoDB table of the controller's lock and history."
  type        = string
}

variable "live_color_parameter_arn" {
  description = "SSM parameter holding the live colour."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ECR repository the workflow pushes to."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
