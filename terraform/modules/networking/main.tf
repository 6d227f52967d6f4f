data "aws_availability_zones" "available" {
  # checkov:skip=CKV_AWS_394:slice() below takes the first az_count zones in name order; a zone AWS adds later never changes which subnets exist.
  state = "available"
}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  # Tasks sit in the private subnets unless the low-cost mode puts them in the public ones.
  tasks_in_public_subnets = var.task_egress == "public_ip"
  nat_gateway_count       = var.task_egress == "nat_gateway" ? (var.single_nat_gateway ? 1 : var.az_count) : 0

  # Interface endpoints the ECS agent and the app need when there is no route to the internet:
  # image manifests (ecr.api, ecr.dkr), logs, and the SSM parameter holding the DB password.
  interface_endpoints = var.task_egress == "vpc_endpoints" ? toset(["ecr.api", "ecr.dkr", "logs", "ssm"]) : toset([])

  flow_log_group_name = "/vpc/${var.name}/flow-logs"
}

################################################################################
# VPC
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # interface endpoints' private DNS needs it

  tags = merge(var.tags, { Name = var.name })
}

# AWS creates a default security group that allows all traffic between its members;
# taking it over with no rules closes it, so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-closed" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}
