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

variable "db_password_parameter_arn" {
  description = "ARN of the SecureString parameter holding the DB password."
  type        = string
}

variable "db_kms_key_arn" {
  description = "KMS key that encrypts the DB password parameter."
  type        = string
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
