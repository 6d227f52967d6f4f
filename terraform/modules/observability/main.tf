data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  colors = {
    blue  = { target_group = var.blue_target_group_arn_suffix, service = var.blue_service_name }
    green = { target_group = var.green_target_group_arn_suffix, service = var.green_service_name }
  }

  alarm_actions = var.sns_topic_enabled ? [aws_sns_topic.this[0].arn] : []
  region        = data.aws_region.current.region
}

################################################################################
# Notifications
################################################################################

module "key" {
  source = "../kms"
  count  = var.sns_topic_enabled ? 1 : 0

  name        = "${var.name}-alarms"
  description = "${var.name} alarm notifications"
  # CloudWatch publishes alarm state changes to the encrypted topic.
  service_grants = [{
    sid     = "CloudWatchPublishesToTopic"
    service = "cloudwatch.amazonaws.com"
    actions = ["kms:Decrypt", "kms:GenerateDataKey"]
    conditions = [{
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }]
  }]

  tags = var.tags
}

# The key used to be a resource of this module: keep it (and the topic it encrypts).
moved {
  from = aws_kms_key.this[0]
  to   = module.key[0].aws_kms_key.this
}

resource "aws_sns_topic" "this" {
  count = var.sns_topic_enabled ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = module.key[0].key_arn

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = var.sns_topic_enabled && var.alarm_email != null ? 1 : 0

  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

################################################################################
# Alarms per colour
################################################################################

# An idle colour has no traffic and so no data: missing data is not a breach, or the idle
# colour would sit in ALARM and block every deploy.

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  for_each = local.colors

  alarm_name          = "${var.name}-${each.key}-5xx-rate"
  alarm_description   = "Target 5xx responses above ${var.error_rate_threshold_percent}% of ${each.key}'s requests"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    label       = "5xx %"
    expression  = "100 * FILL(errors, 0) / FILL(requests, 1)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      period      = 60
      stat        = "Sum"
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = each.value.target_group }
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      period      = 60
      stat        = "Sum"
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = each.value.target_group }
    }
  }

  tags = merge(var.tags, { Color = each.key })
}

resource "aws_cloudwatch_metric_alarm" "latency_p99" {
  for_each = local.colors

  alarm_name          = "${var.name}-${each.key}-p99-latency"
  alarm_description   = "p99 target response time of ${each.key} above ${var.p99_latency_threshold_seconds} s"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  extended_statistic  = "p99"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.p99_latency_threshold_seconds
  evaluation_periods  = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = each.value.target_group }
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = merge(var.tags, { Color = each.key })
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each = local.colors

  alarm_name          = "${var.name}-${each.key}-unhealthy-hosts"
  alarm_description   = "A registered ${each.key} target failed the load balancer's health check"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.evaluation_periods
  treat_missing_data  = "notBreaching"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = each.value.target_group }
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = merge(var.tags, { Color = each.key })
}

################################################################################
# Dashboard
################################################################################

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  # One row per colour: latency, errors, saturation (CPU, memory, requests per task).
  dashboard_body = jsonencode({
    widgets = flatten([
      for index, color in keys(local.colors) : [
        {
          type = "metric", x = 0, y = index * 6, width = 8, height = 6
          properties = {
            title  = "${color}: latency (s)"
            region = local.region
            stat   = "p99"
            period = 60
            metrics = [
              ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", local.colors[color].target_group, { stat = "p50", label = "p50" }],
              ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", local.colors[color].target_group, { stat = "p99", label = "p99" }],
            ]
          }
        },
        {
          type = "metric", x = 8, y = index * 6, width = 8, height = 6
          properties = {
            title  = "${color}: requests and 5xx"
            region = local.region
            stat   = "Sum"
            period = 60
            metrics = [
              ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", local.colors[color].target_group],
              ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", local.colors[color].target_group],
              ["AWS/ApplicationELB", "UnHealthyHostCount", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", local.colors[color].target_group, { stat = "Maximum" }],
            ]
          }
        },
        {
          type = "metric", x = 16, y = index * 6, width = 8, height = 6
          properties = {
            title  = "${color}: saturation (%)"
            region = local.region
            stat   = "Average"
            period = 60
            metrics = [
              ["AWS/ECS", "CPUUtilization", "ClusterName", var.cluster_name, "ServiceName", local.colors[color].service],
              ["AWS/ECS", "MemoryUtilization", "ClusterName", var.cluster_name, "ServiceName", local.colors[color].service],
            ]
          }
        },
      ]
    ])
  })
}
