################################################################################
# Security groups
################################################################################

# Rules live in their own resources (never inline) so every path is one reviewable block
# and the test of the security-group graph can read them.

resource "aws_security_group" "alb" {
  # checkov:skip=CKV2_AWS_5:Attached to the alb module's load balancer through this module's output; checkov does not follow module outputs.
  name        = "${var.name}-alb"
  description = "ALB: HTTPS and the HTTP redirect from the internet, out only to the tasks"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-alb" })
}

resource "aws_security_group" "tasks" {
  # checkov:skip=CKV2_AWS_5:Attached to the ecs module's services through this module's output; checkov does not follow module outputs.
  name        = "${var.name}-tasks"
  description = "ECS tasks: app port from the ALB, out to PostgreSQL and HTTPS for AWS APIs"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-tasks" })
}

resource "aws_security_group" "database" {
  # checkov:skip=CKV2_AWS_5:Attached to the rds module's instance through this module's output; checkov does not follow module outputs.
  name        = "${var.name}-database"
  description = "RDS: PostgreSQL from the tasks only, no egress"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-database" })
}

resource "aws_security_group" "endpoints" {
  count = var.task_egress == "vpc_endpoints" ? 1 : 0

  name        = "${var.name}-endpoints"
  description = "VPC interface endpoints: HTTPS from the tasks only"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  # checkov:skip=CKV_AWS_260:Port 80 only answers with a 301 to HTTPS (the listener has no forward action).
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the internet, redirected to HTTPS by the listener"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

# The optional test listener (alb's test_listener_port): only from the operators' and CI's ranges.
resource "aws_vpc_security_group_ingress_rule" "alb_test_listener" {
  for_each = var.test_listener_port == null ? toset([]) : toset(var.test_listener_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "Test listener (the idle colour) from an allowed range"
  ip_protocol       = "tcp"
  from_port         = var.test_listener_port
  to_port           = var.test_listener_port
  cidr_ipv4         = each.key
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Requests and health checks to the tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "App port from the ALB only"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_database" {
  count = var.database_enabled ? 1 : 0

  security_group_id            = aws_security_group.tasks.id
  description                  = "PostgreSQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = aws_security_group.database.id
}

# Through the NAT gateway or the public IP: ECR, SSM and CloudWatch Logs have no fixed addresses.
resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  count = var.task_egress == "vpc_endpoints" ? 0 : 1

  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to AWS APIs (ECR, SSM, CloudWatch Logs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_endpoints" {
  count = var.task_egress == "vpc_endpoints" ? 1 : 0

  security_group_id            = aws_security_group.tasks.id
  description                  = "HTTPS to the VPC interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints[0].id
}

# ECR serves image layers from S3, reached through the gateway endpoint's prefix list.
resource "aws_vpc_security_group_egress_rule" "tasks_to_s3" {
  count = var.task_egress == "vpc_endpoints" ? 1 : 0

  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to S3 (ECR image layers) through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3[0].prefix_list_id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_tasks" {
  count = var.database_enabled ? 1 : 0

  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the tasks only"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = aws_security_group.tasks.id
}

# The database rules used to be unconditional: keep them.
moved {
  from = aws_vpc_security_group_egress_rule.tasks_to_database
  to   = aws_vpc_security_group_egress_rule.tasks_to_database[0]
}

moved {
  from = aws_vpc_security_group_ingress_rule.database_from_tasks
  to   = aws_vpc_security_group_ingress_rule.database_from_tasks[0]
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_tasks" {
  count = var.task_egress == "vpc_endpoints" ? 1 : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the tasks"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.tasks.id
}
