variable "name" {
  description = "Name prefix for every resource, e.g. bluegreen-prod."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; subnets are carved out of it as /24s (public, private, database)."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 16
    error_message = "vpc_cidr must be a valid IPv4 CIDR of /16 or larger."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over (the ALB needs two)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "app_port" {
  description = "Port the app container listens on; the only port the ALB may reach on the tasks (no default: one value reaches every module)."
  type        = number
}

variable "database_enabled" {
  description = "Whether the service has a database: only then may the tasks reach db_port on the database security group."
  type        = bool
  default     = true
}

variable "db_port" {
  description = "PostgreSQL port; the only port the tasks may reach on the database."
  type        = number
  default     = 5432
}

variable "task_egress" {
  description = "How tasks reach ECR, SSM and CloudWatch Logs: nat_gateway (private subnets), vpc_endpoints (private subnets, no internet at all) or public_ip (low-cost mode: tasks in public subnets with public IPs, as the seed did)."
  type        = string
  default     = "nat_gateway"

  validation {
    condition     = contains(["nat_gateway", "vpc_endpoints", "public_ip"], var.task_egress)
    error_message = "task_egress must be nat_gateway, vpc_endpoints or public_ip."
  }
}

variable "single_nat_gateway" {
  description = "With task_egress = nat_gateway: one NAT gateway for all AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs in CloudWatch Logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention period CloudWatch Logs accepts."
  }
}

variable "flow_log_traffic_type" {
  description = "Which traffic VPC flow logs record."
  type        = string
  default     = "REJECT"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "test_listener_port" {
  description = "Port of the ALB's optional test listener (the alb module's test_listener_port); null opens nothing."
  type        = number
  default     = null
}

variable "test_listener_cidrs" {
  description = "IPv4 ranges allowed to reach the test listener (your office, VPN or CI runners); never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.test_listener_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "test_listener_cidrs must be IPv4 CIDR blocks other than 0.0.0.0/0: the test listener serves the unreleased colour."
  }
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
