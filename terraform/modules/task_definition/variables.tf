variable "template_file" {
  description = "Path of the task-definition template (docs/task-definition-template.md): the file the controller renders for each release. Null: default_json is the definition."
  type        = string
  default     = null
}

variable "default_json" {
  description = "The RegisterTaskDefinition body (JSON) used when template_file is null."
  type        = string
  default     = null

  validation {
    condition     = var.default_json == null || can(jsondecode(var.default_json))
    error_message = "default_json must be JSON."
  }
}

variable "stack_values" {
  description = "Values the stack gives the template, named as the controller's Terraform outputs (aws_region, container_name, execution_role_arn, task_role_arn, log_group_name, ...)."
  type        = map(string)
  default     = {}
}

variable "values" {
  description = "The template's values file (aws.task_definition_values), as text: they win over stack_values, as in the controller."
  type        = map(string)
  default     = {}
}

variable "image" {
  description = "The image of this revision (the template's $${image})."
  type        = string
}

variable "release_version" {
  description = "The version of this revision (the template's $${version})."
  type        = string
}

variable "color" {
  description = "The colour this revision is for (the template's $${color})."
  type        = string

  validation {
    condition     = contains(["blue", "green"], var.color)
    error_message = "color must be blue or green."
  }
}

variable "container_name" {
  description = "The container the load balancer sends traffic to: the definition must have it."
  type        = string
}

variable "container_port" {
  description = "The port the load balancer sends traffic to: that container must map it."
  type        = number
}
