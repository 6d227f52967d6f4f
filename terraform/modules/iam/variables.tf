variable "name" {
  description = "Name prefix of the roles, e.g. bluegreen-prod."
  type        = string
}

variable "ecr_repository_arn" {
  description = "The one repository the tasks pull their image from."
  type        = string
}

variable "log_group_arn" {
  description = "The tasks' own CloudWatch log group (the execution role writes only there)."
  type        = string
}

variable "secret_parameter_arns" {
  description = "ARNs of the SSM parameters the container definition takes secrets from (the execution role may read exactly these)."
  type        = list(string)
  default     = []
}

variable "secrets_manager_arns" {
  description = "ARNs of the Secrets Manager secrets the container definition takes secrets from (a :json-key:stage:id suffix is allowed and ignored here)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.secrets_manager_arns : can(regex("^arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+", arn))])
    error_message = "secrets_manager_arns must be Secrets Manager secret ARNs (arn:aws:secretsmanager:<region>:<account>:secret:<name>)."
  }
}

variable "secret_kms_key_arns" {
  description = "Customer managed KMS keys those secrets are encrypted with (decrypt only through SSM or Secrets Manager); empty for AWS managed keys."
  type        = list(string)
  default     = []
}

variable "task_readable_parameter_arns" {
  description = "SSM parameters the app itself may read at run time (ssm:GetParameter), e.g. its database password to re-read after a rotation."
  type        = list(string)
  default     = []
}

variable "task_readable_kms_key_arns" {
  description = "KMS keys of those parameters (decrypt only through SSM)."
  type        = list(string)
  default     = []
}

variable "task_role_policy_json" {
  description = "An IAM policy document (JSON) with whatever else the service needs from AWS, attached to the task role; null attaches none. The permissions boundary still caps it."
  type        = string
  default     = null
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of this module's roles (the cicd module's permissions_boundary_arn): the Terraform role may only create or change roles that carry it."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
